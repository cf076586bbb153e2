# Dates as a British reader writes them ("1 July 2023"); other languages keep Django's own
# formats ("2023年7月1日" in Chinese).
DATE_FORMAT = "j F Y"
