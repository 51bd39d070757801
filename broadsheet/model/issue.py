"""The issue: its pages, and the stories continued from one page onto another.

A page holds what is printed on it (`Page.articles`), the two parts of a jumped story among them, each with its
jump line (`Article.continuations`). A story that runs across pages belongs to no one page: the issue holds it,
joined from its parts by `broadsheet.stages.jumps.join_continuations`. The serialisers write it as one TEI file with
a surface per page; the pages keep their parts, so joining them again gives the same issue.
"""

from __future__ import annotations

from pydantic import Field

from broadsheet.model.page import Article, Page, Repair, Strict


class Issue(Strict):
    pages: list[Page]
    """The pages as printed, in issue order."""
    articles: list[Article] = Field(default_factory=list)
    """The stories continued across pages. Each keeps the id of its first part; its `page_ids`, `region_ids` and
    paragraphs run on across the pages."""
    later_parts: dict[str, list[str]] = Field(default_factory=dict)
    """Per continued story (by id), the ids of the page articles it continues into: no articles of their own."""
    repairs: dict[str, list[Repair]] = Field(default_factory=dict)
    """Per page id, the repairs the joining made on its text (a paragraph cut at the jump joined with the first
    paragraph of its continuation). They are the story's, not the printed page's, so the page does not hold them."""

    def articles_from(self, page: Page) -> list[Article]:
        """The articles written from `page`, in its order: a continued story where its first part is printed, the
        page's other articles as they are; the later parts of stories from other pages are not articles of their
        own. `page` may be an edited copy of the issue's page of that id."""
        continued = {article.id: article for article in self.articles}
        later = {part for parts in self.later_parts.values() for part in parts}
        return [continued.get(article.id, article) for article in page.articles if article.id not in later]

    def spanned(self, article: Article, page: Page) -> tuple[list[Page], list[str]]:
        """The pages an article written from `page` runs on, as its TEI reads them (`page` first, each with the
        repairs the joining made on it), and the ids of those the issue does not hold."""
        by_id = {other.id: other for other in self.pages} | {page.id: page}
        pages = [by_id[pid] for pid in article.page_ids if pid in by_id]
        missing = [pid for pid in article.page_ids if pid not in by_id]
        return [p.model_copy(update={"repairs": [*p.repairs, *self.repairs[p.id]]}) if self.repairs.get(p.id) else p
                for p in pages], missing

    def around(self, page: Page) -> Issue:
        """What writing one page needs of the issue: the stories continued from it, the pages they run on, the later
        parts it holds. A write task is sent this, not every page of the issue."""
        printed = {article.id for article in page.articles}
        stories = [article for article in self.articles if article.id in printed]
        wanted = {pid for article in stories for pid in article.page_ids} | {page.id}
        return Issue(pages=[p for p in self.pages if p.id in wanted], articles=stories,
                     later_parts={story: parts for story, parts in self.later_parts.items()
                                  if story in printed or printed & set(parts)},
                     repairs={pid: repairs for pid, repairs in self.repairs.items() if pid in wanted})
