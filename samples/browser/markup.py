"""HTML and CSS of a browser page from its drawn design: a CSS grid of modules, each article's body in CSS columns.

The markup carries the truth contract that page.js reads (data-region, data-flow, data-article, ...). Text goes
into the page exactly as it is to be printed: no CSS text-transform and no generated content, so that the DOM's
text is the printed text.
"""

from __future__ import annotations

import datetime as dt
import html
import itertools
import random
import re
from collections.abc import Iterator

import numpy as np

from samples.articles import ArticleText, sentences
from samples.browser.design import ArticleDesign, Module, PageDesign
from samples.browser.pictures import data_uri, photo

WEEKDAYS = {"zh": ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"),
            "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")}
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
CITIES = {"zh": ("杭州", "宁波", "南京", "合肥", "武汉"), "en": ("HARBOR CITY", "MILLBROOK", "EAST PORT", "LINDEN")}
BOX_TITLES = {"zh": ("相关数据", "链接", "背景"), "en": ("By the numbers", "Key facts", "At a glance")}
QUESTIONS = (
    "What has changed since the work began?", "Who noticed the difference first?", "What did it cost, and who paid?",
    "What surprised you most?", "Were there objections along the way?", "What happens next?",
    "What would you do differently?", "How will you know it has worked?", "What do residents ask you most?",
    "Is there anything left to settle?",
)
GUESTS = (("Dana Whitlock", "a planner with the regional authority"), ("Marcus Feld", "an engineer on the project"),
          ("Irene Castellanos", "who chairs the residents' committee"), ("Tobias Rehn", "an economist"))
ADVERTS = {
    "zh": (("东湖家居 周年庆典", "全场实木家具八折 满三千元送餐椅", "¥1,680 起", "咨询电话 0571-8866 1234"),
           ("临江眼镜", "验光配镜一站式服务 学生凭证九折", "镜架 + 镜片 ¥298", "地址：解放路 88 号"),
           ("海川银行 安心存", "三年期定期存款 到期自动转存", "年利率 2.15%", "客服热线 95500")),
    "en": (("HARBORSIDE MOTORS", "Year-end clearance on every model", "0% financing for 48 months",
            "Call 555-0199 or visit harborside-motors.example"),
           ("LINDEN DENTAL CARE", "New patients welcome, evening hours", "Cleaning and exam $89",
            "Book online: lindendental.example"),
           ("NORTHFIELD HARDWARE", "Everything for the winter garden", "Snow shovels from $19.99",
            "Open seven days, 8 a.m. to 8 p.m.")),
}
TEASER_TITLES = {
    "zh": ("城市更新进行时", "冬季供暖准备就绪", "老街区里的新书店", "一条河与一座城", "乡村快递最后一公里",
           "社区食堂开到家门口"),
    "en": ("A week of concerts in the park", "How the school vote was won", "The bakery that never closes",
           "Ferry fares to rise in spring", "Inside the new county archive", "Ten walks for a winter weekend"),
}
_SPEAKER = re.compile(r"^([^：:]{1,12})[：:]")


def _e(text: str) -> str:
    return html.escape(text, quote=True)


class _Hyphenator:
    """Soft hyphens in long words, so that Chromium breaks and hyphenates English lines (it ships no dictionary)."""

    def __init__(self, enabled: bool) -> None:
        self.dictionary = None
        if enabled:
            import pyphen  # the test extra's hyphenation dictionaries

            self.dictionary = pyphen.Pyphen(lang="en_US")

    def __call__(self, text: str) -> str:
        if self.dictionary is None:
            return text
        return re.sub(r"[A-Za-z]{7,}", lambda m: self.dictionary.inserted(m.group(0), hyphen="\u00ad"), text)


def _dates(design: PageDesign) -> tuple[str, str]:
    day = dt.date.fromisoformat(design.date)
    weekday = WEEKDAYS[design.lang][day.weekday()]
    if design.lang == "zh":
        return f"{day.year}年{day.month}月{day.day}日 {weekday}", f"第{8000 + day.toordinal() % 2000}期"
    issue = f"Vol. CXL, No. {40000 + day.toordinal() % 9000:,}"
    return f"{weekday}, {MONTHS[day.month - 1]} {day.day}, {day.year}", issue


def _folio_text(design: PageDesign) -> str:
    return str(design.page_number) if design.lang == "zh" else f"A{design.page_number}"


class PageMarkup:
    """Builds one page's HTML; `rng` draws what the design leaves open (which sentence is quoted, pictures)."""

    def __init__(self, design: PageDesign, texts: dict[str, ArticleText], pool: list[ArticleText], seed: int) -> None:
        self.d, self.texts, self.pool = design, texts, pool
        self.rng = random.Random(f"browser-markup/{seed}")
        self.pictures = np.random.default_rng([seed, 14])
        self.hyphenate = _Hyphenator(design.hyphenate)
        self.optional_ids = iter(range(1, 10_000))
        page_width = design.width_mm - 2 * design.margin_mm
        weights = design.column_weights
        self.column_mm = [(page_width - (design.columns - 1) * design.gutter_mm) * w / sum(weights) for w in weights]

    # -- helpers ----------------------------------------------------------------------------------
    def _optional(self, rank: int) -> str:
        return f'data-optional="{rank}" data-optional-id="{next(self.optional_ids)}"'

    def _module_mm(self, m: Module) -> float:
        return sum(self.column_mm[m.col0:m.col1]) + (m.span - 1) * self.d.gutter_mm

    def _picture(self, width_mm: float, aspect: float) -> str:
        width = int(min(1400, max(120, width_mm * 4)))
        return data_uri(photo(width, int(width / aspect), self.pictures))

    def _figure(self, a: ArticleDesign, text: ArticleText, width_mm: float, where: str) -> str:
        caption_text = text.caption or ("资料图片" if self.d.lang == "zh" else "File photo")
        aspect = self.rng.choice((1.33, 1.5, 1.78)) if where != "flow" else self.rng.choice((1.2, 1.33, 1.5))
        beside = a.caption == "beside" and where in ("top", "under_head", "span") and width_mm > 90
        image_mm = width_mm * (0.62 if beside else 1.0)
        # A picture takes at most a share of its module's height, however wide the module.
        module_mm = (a.module.bottom - a.module.top) * self.d.content_mm
        aspect = max(aspect, image_mm / (module_mm * self.rng.uniform(0.25, 0.45)))
        img = (f'<img data-region="figure" alt="" src="{self._picture(image_mm, aspect)}" '
               f'style="aspect-ratio:{aspect}">')
        caption = f'<figcaption data-region="caption">{_e(caption_text)}</figcaption>'
        span = ' style="column-span:all"' if where == "span" else ""
        layout = "beside" if beside else a.caption if a.caption in ("above", "below") else "below"
        inner = caption + img if layout == "above" else img + caption
        return f'<figure class="figure {layout}" {self._optional(1)}{span}>{inner}</figure>'

    def _pull_quote(self, a: ArticleDesign, text: ArticleText) -> str:
        quote = text.pull_quote
        if not quote:
            lo, hi = (12, 40) if self.d.lang == "zh" else (50, 150)
            choices = [s for p in text.paragraphs for s in sentences(p, self.d.lang) if lo <= len(s) <= hi]
            if not choices:
                return ""
            quote = self.rng.choice(choices)
        top = ' style="break-before:column"' if a.pull_quote_at == "top" and a.body_columns > 1 else ""
        return (f'<div class="pq {a.pull_quote}" data-region="pull_quote" {self._optional(2)}{top}>'
                f"{_e(quote)}</div>")

    def _box(self, text: ArticleText) -> str:
        lang = self.d.lang
        facts = [s for p in text.paragraphs for s in sentences(p, lang) if re.search(r"\d", s)][:3]
        if not facts:
            return ""
        tint = " tint" if self.rng.random() < 0.5 else ""
        items = "".join(f"<div>{'■ ' if lang == 'zh' else '• '}{_e(f)}</div>" for f in facts)
        return (f'<div class="box{tint}" data-region="sidebar" {self._optional(2)}>'
                f'<div class="box-title">{_e(self.rng.choice(BOX_TITLES[lang]))}</div>{items}</div>')

    def _dateline(self, text: ArticleText) -> str:
        day = dt.date.fromisoformat(self.d.date) - dt.timedelta(days=1)
        city = CITIES[self.d.lang][sum(map(ord, text.name)) % len(CITIES[self.d.lang])]
        if self.d.lang == "zh":
            return f"本报{city}{day.month}月{day.day}日电"
        return f"{city}, {MONTHS[day.month - 1][:3]}. {day.day}"

    def _headline(self, a: ArticleDesign, text: ArticleText) -> str:
        headline = text.headline
        if self.d.lang == "zh" and " " in headline:
            headline = headline.replace(" ", "，") if a.headline_join == "comma" else headline
        wide = ' style="word-spacing:1em"' if self.d.lang == "zh" and a.headline_join == "wide" else ""
        return (f'<h2 class="headline" data-region="headline" data-fit="width"{wide} '
                f'style="font-size:{a.headline_pt}pt;text-align:{a.headline_align}">{_e(headline)}</h2>')

    # -- paragraphs -------------------------------------------------------------------------------
    def _turns(self, a: ArticleDesign, text: ArticleText) -> Iterator[tuple[str, str]]:
        """(speaker label, rest) per body paragraph; the label is empty for plain paragraphs."""
        if a.kind == "interview":
            host = text.bylines[0].removeprefix("By ").strip() if text.bylines else "The Editors"
            guest, _ = GUESTS[sum(map(ord, text.name)) % len(GUESTS)]
            yield "", text.paragraphs[0]
            for question, answer in zip(QUESTIONS, text.paragraphs[1:], strict=False):
                if a.interview_style == "qa":
                    yield "Q: ", question
                    yield "A: ", answer
                else:
                    yield f"{host.split()[-1]}: ", question
                    yield f"{guest.split()[-1]}: ", answer
            return
        names = {"主持人"} | {n for b in text.bylines for n in re.findall(r"[\u4e00-\u9fff]{2,3}(?=\s)", b)}
        for paragraph in text.paragraphs:
            match = _SPEAKER.match(paragraph)
            if a.kind == "roundtable" and match and match.group(1) in names:
                yield paragraph[:match.end()], paragraph[match.end():]
            else:
                yield "", paragraph

    def _participants(self, a: ArticleDesign, text: ArticleText) -> str:
        if a.kind == "interview":
            host = text.bylines[0].removeprefix("By ").strip() if text.bylines else "The Editors"
            guest, role = GUESTS[sum(map(ord, text.name)) % len(GUESTS)]
            lines = [f"Interview by {host}", f"{guest}, {role}"]
        else:
            lines = list(text.bylines)
        return '<div class="byline" data-region="byline">' + "".join(f"<div>{_e(x)}</div>" for x in lines) + "</div>"

    # -- one article --------------------------------------------------------------------------------
    def article(self, a: ArticleDesign) -> str:
        d, text = self.d, self.texts[a.text]
        width_mm = self._module_mm(a.module)
        column_mm = (width_mm - (a.body_columns - 1) * d.gutter_mm) / a.body_columns
        kicker = ""
        if a.kicker != "none":
            cls = "kicker" if a.kicker == "above" else "deck"
            kicker = (f'<div class="{cls}" data-region="kicker" data-fit="width" {self._optional(3)}>'
                      f"{_e(text.kicker)}</div>")
        interview = a.kind in ("roundtable", "interview")
        byline = ""
        if interview:
            byline = self._participants(a, text)
        elif a.byline != "none":
            byline = (f'<div class="byline" data-region="byline" {self._optional(4)}>'
                      f'{_e(" ".join(text.bylines))}</div>')
        dateline = (f'<div class="dateline" data-region="dateline" {self._optional(3)}>{_e(self._dateline(text))}</div>'
                    if a.dateline != "none" and not interview else "")
        head_parts = [kicker if a.kicker == "above" else "", self._headline(a, text),
                      kicker if a.kicker == "below" else ""]
        if interview or a.byline == "head":
            head_parts.append(byline)
        if a.dateline == "head":
            head_parts.append(dateline)
        rule = f" rule-{a.head_rule}" if a.head_rule != "none" else ""
        head = f'<header class="head{rule}">{"".join(head_parts)}</header>'
        if a.headline_columns < a.body_columns:
            aside_mm = (a.body_columns - a.headline_columns) * (column_mm + d.gutter_mm) - d.gutter_mm
            aside = self._figure(a, text, aside_mm, "aside") if a.figure == "aside" else self._box(text)
            head = (f'<div class="headrow" style="grid-template-columns:repeat({a.body_columns},1fr);'
                    f'column-gap:{d.gutter_mm}mm"><div style="grid-column:1/{a.headline_columns + 1}">{head}</div>'
                    f'<div class="aside" style="grid-column:{a.headline_columns + 1}/{a.body_columns + 1}">'
                    f"{aside}</div></div>")
        top = self._figure(a, text, width_mm, "top") if a.figure == "top" else ""
        under = self._figure(a, text, width_mm, "under_head") if a.figure == "under_head" else ""
        note = ""
        if a.kind == "roundtable" and text.sidebar:
            note = f'<div class="box note" data-region="sidebar" {self._optional(2)}>{_e(text.sidebar)}</div>'

        flow: list[str] = []
        if a.byline == "flow" and not interview:
            flow.append(byline)
        if a.dateline == "flow":
            flow.append(dateline)
        turns = list(self._turns(a, text))
        inserts: dict[int, list[str]] = {}
        if a.pull_quote != "none" and (quote := self._pull_quote(a, text)):
            inserts.setdefault(self.rng.randint(1, max(1, min(3, len(turns) - 1))), []).append(quote)
        if a.figure in ("flow", "span"):
            figure = self._figure(a, text, column_mm if a.figure == "flow" else width_mm, a.figure)
            inserts.setdefault(self.rng.randint(1, max(1, min(2, len(turns) - 1))), []).append(figure)
        if a.box == "flow" and (box := self._box(text)):
            inserts.setdefault(self.rng.randint(2, max(2, len(turns) - 1)), []).append(box)
        for index, (label, rest) in enumerate(turns):
            flow.extend(inserts.get(index, []))
            strong = f"<b>{_e(label)}</b>" if label else ""
            flow.append(f'<p data-region="body">{strong}{_e(self.hyphenate(rest))}</p>')
        if a.jump:
            later = d.page_number + 4
            pointer = f"（下转第{later}版）" if d.lang == "zh" else f"Continued on Page A{later}"
            flow.append(f'<div class="jump" data-region="teaser" data-jump>{_e(pointer)}</div>')
        rule = "column-rule:0.5pt solid #222;" if a.column_rule and a.body_columns > 1 else ""
        body = (f'<div class="body" data-flow style="column-count:{a.body_columns};{rule}">'
                f'{"".join(flow)}</div>')
        m = a.module
        classes = "module article" + (" framed" if a.framed else "") + self._rule_classes(m)
        return (f'<article class="{classes}" data-article="{a.id}" style="{self._grid_area(m)}">'
                f"{top}{head}{under}{note}{body}</article>")

    # -- page parts -----------------------------------------------------------------------------
    def _rows(self) -> list[float]:
        cuts = {0.0, 1.0}
        for m in [a.module for a in self.d.articles] + ([self.d.advertisement] if self.d.advertisement else []):
            cuts |= {m.top, m.bottom}
        return sorted(cuts)

    def _grid_area(self, m: Module) -> str:
        rows = self._rows()
        return f"grid-column:{m.col0 + 1}/{m.col1 + 1};grid-row:{rows.index(m.top) + 1}/{rows.index(m.bottom) + 1}"

    def _rule_classes(self, m: Module) -> str:
        rules = self.d.module_rules
        out = " rule-top" if rules != "none" and m.top > 0 else ""
        return out + (" rule-left" if rules == "all" and m.col0 > 0 else "")

    def advertisement(self, m: Module) -> str:
        name, offer, price, contact = self.rng.choice(ADVERTS[self.d.lang])
        picture = ""
        width_mm = self._module_mm(m)
        if self.rng.random() < 0.5 and width_mm > 50:
            picture = f'<img alt="" src="{self._picture(width_mm * 0.5, 2.2)}" style="height:22%;aspect-ratio:2.2">'
        return (f'<aside class="module ad{self._rule_classes(m)}" style="{self._grid_area(m)}">'
                f'<div class="ad-frame" data-region="advertisement" data-box="border" data-fit="box">'
                f'<div class="ad-name">{_e(name)}</div><div>{_e(offer)}</div>{picture}'
                f'<div class="ad-price">{_e(price)}</div><div>{_e(contact)}</div></div></aside>')

    def header(self) -> str:
        d = self.d
        date, issue = _dates(d)
        folio = f'<div class="folio" data-region="folio">{_e(_folio_text(d))}</div>' if d.folio == "header" else ""
        if d.header == "masthead":
            price = "定价 2.00 元" if d.lang == "zh" else "$2.50"
            return (f'<div class="masthead-row">{folio}<div class="masthead" data-region="masthead" data-fit="width">'
                    f'{_e(d.paper)}</div></div><div class="datebar" data-region="running_header">'
                    f'<span>{_e(date)}</span> <span>{_e(issue)}</span> <span>{_e(price)}</span></div>')
        return (f'<div class="running-row">{folio}<div class="running" data-region="running_header">'
                f'<span>{_e(d.paper)}</span> <span>{_e(date)}</span> <span>{_e(d.section)}</span></div></div>')

    def teasers(self) -> str:
        d = self.d
        if not d.teasers:
            return ""
        used = {a.text for a in d.articles}
        titles = [t.headline for t in self.pool if t.name not in used]
        spare = [t for t in TEASER_TITLES[d.lang] if t not in titles]
        titles += self.rng.sample(spare, len(spare))
        cells = []
        for k in range(d.teasers):
            page, title = d.page_number + 2 + k, titles[k]
            pointer = f"→ 第{page}版" if d.lang == "zh" else f"Page A{page}"
            cells.append(f'<div class="teaser" data-region="teaser"><div class="teaser-title">{_e(title)}</div>'
                         f"<div>{_e(pointer)}</div></div>")
        return f'<div class="teasers">{"".join(cells)}</div>'

    def section_label(self) -> str:
        if self.d.section_label == "none":
            return ""
        return f'<div class="section-row"><div class="section {self.d.section_label}" data-region="section">' \
               f"{_e(self.d.section)}</div></div>"

    def footer(self) -> str:
        if self.d.folio == "header":
            return ""
        side = "center" if self.d.folio == "footer_center" else ("right" if self.d.page_number % 2 else "left")
        return f'<div class="footer" style="text-align:{side}"><span class="folio" data-region="folio">' \
               f"{_e(_folio_text(self.d))}</span></div>"

    def css(self) -> str:
        d, f = self.d, self.d.faces
        rows = self._rows()
        row_template = " ".join(f"{(b - a) * 100:.3f}fr" for a, b in itertools.pairwise(rows))
        columns = " ".join(f"{w}fr" for w in d.column_weights)
        g = d.gutter_mm
        return f"""
@page {{ size: {d.width_mm}mm {d.height_mm}mm; margin: 0 }}
html, body {{ margin: 0; padding: 0; background: #fff }}
* {{ box-sizing: border-box }}
.page {{ width: {d.width_mm}mm; height: {d.height_mm}mm; padding: {d.margin_mm}mm; display: flex;
  flex-direction: column; overflow: hidden; color: #111; font-family: {f.body}; font-size: {d.body_pt}pt;
  line-height: {d.leading}; font-kerning: normal }}
.running-row, .masthead-row {{ display: flex; align-items: baseline; gap: 4mm }}
.running {{ flex: 1; display: flex; justify-content: space-between; font-family: {f.label}; font-size: 8.5pt;
  border-bottom: 0.8pt solid #111; padding-bottom: 1mm; margin-bottom: 3mm }}
.folio {{ font-family: {f.label}; font-weight: 700; font-size: 14pt; line-height: 1.1 }}
.footer {{ padding-top: 2mm }} .footer .folio {{ font-size: 9pt }}
.masthead {{ flex: 1; font-family: {f.head}; font-weight: 700; font-size: {34 if d.size == 'a4' else 64}pt;
  text-align: center; line-height: 1.1; white-space: nowrap; overflow: hidden }}
.datebar {{ display: flex; justify-content: space-between; font-family: {f.label}; font-size: 8.5pt;
  border-top: 1.5pt solid #111; border-bottom: 0.6pt solid #111; padding: 0.8mm 0; margin: 1mm 0 3mm }}
.teasers {{ display: flex; gap: {g}mm; margin-bottom: 3mm; border-bottom: 0.6pt solid #111; padding-bottom: 2mm }}
.teaser {{ flex: 1; font-family: {f.label}; font-size: 8pt; line-height: 1.3 }}
.teaser-title {{ font-weight: 700; font-size: 10pt }}
.section-row {{ margin-bottom: 2.5mm }}
.section {{ font-family: {f.label}; font-weight: 700; font-size: 11pt; display: inline-block }}
.section.bar {{ background: #222; color: #fff; padding: 0.8mm 3mm }}
.section.tab {{ border-bottom: 2.5pt solid #111; padding-bottom: 0.5mm }}
.grid {{ flex: 1 1 0; min-height: 0; display: grid; grid-template-columns: {columns};
  grid-template-rows: {row_template}; column-gap: {g}mm; row-gap: {g}mm }}
.module {{ min-height: 0; min-width: 0; overflow: hidden; display: flex; flex-direction: column }}
.rule-top {{ border-top: 0.6pt solid #111; padding-top: {g / 2}mm; margin-top: -{g / 2}mm }}
.rule-left {{ border-left: 0.6pt solid #111; padding-left: {g / 2}mm; margin-left: -{g / 2}mm }}
.framed {{ border: 1.2pt solid #111; padding: 2.5mm }}
.head {{ margin-bottom: 2.5mm }}
.head.rule-thin {{ border-bottom: 0.6pt solid #111; padding-bottom: 1.5mm }}
.head.rule-thick {{ border-bottom: 2pt solid #111; padding-bottom: 1.5mm }}
.head.rule-double {{ border-bottom: 2.4pt double #111; padding-bottom: 1.5mm }}
.headrow {{ display: grid; margin-bottom: 1mm }}
.headline {{ font-family: {f.head}; font-weight: {f.head_weight}; line-height: 1.15; margin: 0 0 1.5mm }}
.kicker {{ font-family: {f.label}; font-size: 1.1em; font-weight: 700; margin-bottom: 1mm; line-height: 1.3 }}
.deck {{ font-family: {f.body}; font-size: 1.35em; line-height: 1.25; margin: 0 0 1.5mm }}
.byline {{ font-family: {f.label}; font-size: 0.9em; line-height: 1.35; margin: 1mm 0 }}
.dateline {{ font-family: {f.label}; font-size: 0.85em; font-weight: 700; margin: 0 0 1mm }}
.body {{ flex: 1 1 0; min-height: 0; column-gap: {g}mm; column-fill: auto; orphans: 2; widows: 2 }}
.body p {{ margin: 0 0 {d.paragraph_gap_em}em; text-indent: {d.indent_em}em; text-align: {d.align};
  hyphens: manual }}
.body p b {{ font-family: {f.label} }}
figure {{ margin: 0 0 2.5mm; break-inside: avoid }}
figure img {{ display: block; width: 100%; object-fit: cover }}
figure.beside {{ display: flex; gap: 3mm; align-items: flex-end }}
figure.beside img {{ width: 62% }}
figure.beside figcaption {{ flex: 1 }}
figcaption {{ font-family: {f.caption}; font-style: {f.caption_style}; font-size: 0.82em; line-height: 1.3;
  margin: 1mm 0 }}
.pq {{ break-inside: avoid; margin: 2.5mm 0; padding: 2mm 1mm; font-family: {f.head}; font-size: 1.45em;
  line-height: 1.25; text-align: center }}
.pq.rules {{ border-top: 1.5pt solid #111; border-bottom: 1.5pt solid #111 }}
.pq.tint {{ background: #dedede; padding: 3mm }}
.box {{ break-inside: avoid; border: 0.9pt solid #111; padding: 2mm 2.5mm; margin: 2mm 0; font-size: 0.92em;
  line-height: 1.4 }}
.box.tint {{ background: #ececec }}
.box.note {{ margin: 0 0 3mm }}
.box-title {{ font-family: {f.label}; font-weight: 700; margin-bottom: 1mm }}
.jump {{ font-family: {f.label}; font-size: 0.85em; font-weight: 700; text-align: right; margin-top: 1mm;
  break-inside: avoid }}
.ad {{ padding: 0 }}
.ad-frame {{ flex: 1; min-height: 0; border: 2.5pt solid #111; padding: 3mm; display: flex; flex-direction: column;
  align-items: center; justify-content: space-evenly; text-align: center; overflow: hidden;
  font-family: {f.label}; font-size: 10pt; line-height: 1.25 }}
.ad-name {{ font-weight: 700; font-size: 18pt }}
.ad-price {{ font-weight: 700; font-size: 16pt }}
"""

    def html(self) -> str:
        d = self.d
        ad_module = d.advertisement
        # Articles in the order the page was cut, which is their reading order; the advertisement last.
        modules = [self.article(a) for a in d.articles]
        if ad_module is not None:
            modules.append(self.advertisement(ad_module))
        lang = "zh-CN" if d.lang == "zh" else "en"
        return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><style>{self.css()}</style></head>'
                f'<body><div class="page">{self.header()}{self.teasers()}{self.section_label()}'
                f'<div class="grid">{"".join(modules)}</div>{self.footer()}</div></body></html>')
