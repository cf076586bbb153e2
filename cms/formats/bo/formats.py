# Dates as Tibetan writes them, year, month and day ("ཕྱི་ལོ་2023 ཟླ་7 ཚེས་1"), with numbers for
# the month: Django has no Tibetan month names, and would otherwise write US English
# ("July 1, 2023"). A draft like the rest of the Tibetan text: see docs/translators.md.
DATE_FORMAT = "ཕྱི་ལོ་Y ཟླ་n ཚེས་j"
SHORT_DATE_FORMAT = "Y/m/d"
