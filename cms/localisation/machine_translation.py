from wagtail_localize.machine_translators.deepl import DeepLTranslator

# DeepL writes Chinese in either script only when asked for it by name; plain "ZH" gives
# Simplified Chinese, which is wrong for Hong Kong readers.
DEEPL_TARGET_LANGUAGES = {"zh-hant": "ZH-HANT", "zh-hans": "ZH-HANS"}
# Languages DeepL does not translate into: translators work on these by hand.
NOT_OFFERED_BY_DEEPL = {"ug", "bo"}


class CampaignDeepLTranslator(DeepLTranslator):
    """DeepL for the translation editor, told which Chinese script to write."""

    def get_parameters(self, source_locale, target_locale, strings):
        parameters = super().get_parameters(source_locale, target_locale, strings)
        code = target_locale.language_code
        parameters["target_lang"] = DEEPL_TARGET_LANGUAGES.get(code, parameters["target_lang"])
        return parameters

    def can_translate(self, source_locale, target_locale):
        return (
            source_locale.language_code != target_locale.language_code
            and target_locale.language_code not in NOT_OFFERED_BY_DEEPL
        )
