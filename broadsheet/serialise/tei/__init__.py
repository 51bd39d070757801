"""TEI P5 serialiser: one TEI document per article.

Two steps on purpose: `tei_view` turns the page model into a small typed view of exactly what will be
written (all decisions about structure, ids, coordinates and text live there), and `write_tei` turns that
view into lxml elements without making any decisions of its own. `build_tei` does both.

Element choices where TEI offers several (see also schemas/broadsheet-tei.rng, which pins them down):

* caption -> ``figure/head @facs``. TEI's own guidance puts a printed caption in ``figure/head``;
  ``figDesc`` (which would also accept @facs) is for a description of an image *not* reproduced.
* pull quote -> ``quote type="pullquote" @facs`` (model.common, so it sits between paragraphs).
* sidebar -> ``floatingText type="sidebar" @facs`` with ``body/p @facs`` (a text inside the text).
* table region -> ``figure type="table" @facs`` with one ``p`` of its text (we have lines, not cells).
* interview turn -> ``sp who="#person" @facs`` with ``speaker`` (the printed label) and ``p``; the people are
  ``profileDesc/particDesc/listPerson/person``. TEI's drama-flavoured ``sp`` is its element for any spoken turn.
* jump line, and the jump head over a continued part -> ``note type="continuation"`` (``@subtype`` to, from,
  head; ``@n`` the page), which TEI allows anywhere in a div, so it stays where it was printed.
* a TEI ``div`` only allows heads/bylines/datelines *before* its paragraphs (bylines/datelines may also
  close it), so headline/kicker heads are always moved to the top, and bylines/datelines that come
  after the first paragraph are moved to the end of the div. Reading order is otherwise kept.
"""

from broadsheet.serialise.tei.view import TEI_NS, TeiArticle, applications, tei_view
from broadsheet.serialise.tei.write import build_tei, tei_bytes, write_tei

# The view's parts (`Head`, `Para`, `ZoneView`, ...) are named in `broadsheet.serialise.tei.view`.
__all__ = ["TEI_NS", "TeiArticle", "applications", "build_tei", "tei_bytes", "tei_view", "write_tei"]
