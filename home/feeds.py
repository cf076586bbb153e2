import datetime

from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed

FEED_LENGTH = 20


class UpdatesRssFeed(Feed):
    """The campaign's updates for feed readers, which reach people where the site is blocked."""

    def get_object(self, request, index_page):
        self.request = request
        return index_page

    def title(self, index_page):
        return f"{index_page.get_site().site_name or index_page.title}: {index_page.title}"

    def link(self, index_page):
        return index_page.get_full_url(self.request)

    def description(self, index_page):
        return index_page.intro

    def items(self, index_page):
        return index_page.get_updates()[:FEED_LENGTH]

    def item_title(self, update):
        return update.title

    def item_description(self, update):
        return update.summary

    def item_link(self, update):
        return update.get_full_url(self.request)

    def item_pubdate(self, update):
        return datetime.datetime.combine(update.published_on, datetime.time(), datetime.UTC)


class UpdatesAtomFeed(UpdatesRssFeed):
    feed_type = Atom1Feed
    subtitle = UpdatesRssFeed.description
