"""Filters for the newsletter's plain-text part, which every reader's mail program can show."""

import re
from html.parser import HTMLParser

from django import template

register = template.Library()

PARAGRAPH_TAGS = {"p", "h2", "h3", "h4", "ul", "ol", "blockquote"}


class TextWithLinks(HTMLParser):
    """Rich text as plain text: paragraphs kept apart, list items marked, each link's address
    written after its words (a plain-text reader cannot click the words)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self.link = None

    def handle_starttag(self, tag, attrs):
        if tag in PARAGRAPH_TAGS:
            self.parts.append("\n\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "a":
            self.link = dict(attrs).get("href")

    def handle_endtag(self, tag):
        if tag == "a" and self.link:
            self.parts.append(f" <{self.link}>")
            self.link = None

    def handle_data(self, data):
        self.parts.append(data)

    def text(self):
        return re.sub(r"\n{3,}", "\n\n", "".join(self.parts)).strip()


@register.filter
def plain_text(html):
    parser = TextWithLinks()
    parser.feed(str(html))
    parser.close()
    return parser.text()
