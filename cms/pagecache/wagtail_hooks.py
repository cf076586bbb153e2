from wagtail import hooks

from .middleware import mark_as_page


@hooks.register("before_serve_page")
def let_page_responses_be_cached(page, request, serve_args, serve_kwargs):
    mark_as_page(request)
