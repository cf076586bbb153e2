from wagtail import blocks


class PlatformSectionBlock(blocks.StructBlock):
    """One part of the platform: a lead-in sentence and the points that follow it."""

    introduction = blocks.TextBlock(
        help_text="The sentence that leads into the list, for example "
        "“The campaign should support struggles:”."
    )
    items = blocks.ListBlock(
        blocks.TextBlock(label="Point"),
        min_num=1,
        help_text="Each point is its own item, so it can be reworded, moved and "
        "translated on its own.",
    )

    class Meta:
        icon = "list-ul"
        label = "Platform section"
        template = "blocks/platform_section_block.html"
        preview_value = {
            "introduction": "The campaign should support struggles:",
            "items": ["For democratic and workers’ rights across China."],
        }


class CallToActionBlock(blocks.StructBlock):
    """A prominent link that asks the visitor to do something: read, sign up, sponsor."""

    page = blocks.PageChooserBlock(help_text="The page the button leads to.")
    label = blocks.CharBlock(max_length=60, help_text="The words on the button, short and active.")
    description = blocks.TextBlock(
        required=False, max_length=200, help_text="One sentence under the button (optional)."
    )

    class Meta:
        icon = "link"
        label = "Call to action"


class PlatformStreamBlock(blocks.StreamBlock):
    """The body of the platform page: paragraphs of the call and its platform sections."""

    paragraph = blocks.RichTextBlock(
        features=["bold", "italic", "link"],
        template="blocks/paragraph_block.html",
        help_text="A paragraph of the call.",
    )
    platform_section = PlatformSectionBlock()

    class Meta:
        block_counts = {"platform_section": {"min_num": 1}}


class NewsletterStreamBlock(blocks.StreamBlock):
    """The body of a newsletter: paragraphs, and buttons to the pages readers should act on."""

    paragraph = blocks.RichTextBlock(
        features=["h2", "h3", "bold", "italic", "link", "ol", "ul"],
        template="blocks/paragraph_block.html",
        help_text="A paragraph of the newsletter.",
    )
    call_to_action = CallToActionBlock()
