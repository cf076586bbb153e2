import datetime

from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed

FEED_LENGTH = 20


def start_of(day):
    return datetime.datetime.combine(day, datetime.time(), datetime.UTC) if day else None


class UpdatesRssFeed(Feed):
    """The campaign's updates for feed readers, which reach people where the site is blocked.

    Every address in it is the Wagtail Site's, like the pages' canonical links."""

    # The index page's route that serves this feed (UpdateIndexPage).
    route_name = "rss_feed"

    def get_object(self, request, index_page):
        self.request = request
        return index_page

    def site_name(self, index_page):
        return index_page.get_site().site_name or index_page.get_parent().title

    def title(self, index_page):
        return f"{self.site_name(index_page)}: {index_page.title}"

    def link(self, index_page):
        return index_page.get_full_url(self.request)

    def feed_url(self, index_page):
        return self.link(index_page) + index_page.reverse_subpage(self.route_name)

    def description(self, index_page):
        return index_page.intro or index_page.title

    def author_name(self, index_page):
        return self.site_name(index_page)

    def author_link(self, index_page):
        return index_page.get_site().root_url + "/"

    def items(self, index_page):
        return index_page.get_updates()[:FEED_LENGTH]

    def item_title(self, update):
        return update.title

    def item_description(self, update):
        return update.summary

    def item_link(self, update):
        return update.get_full_url(self.request)

    def item_pubdate(self, update):
        # An update whose date organisers have not set is dated by its first publication.
        return start_of(update.dated_on)

    def item_updateddate(self, update):
        return update.last_published_at or self.item_pubdate(update)


class UpdatesAtomFeed(UpdatesRssFeed):
    feed_type = Atom1Feed
    subtitle = UpdatesRssFeed.description
    route_name = "atom_feed"
