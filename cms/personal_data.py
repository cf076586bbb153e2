"""The one permission that lets someone read personal data: sign-ups, subscribers and sponsor
contact details. Declared on forms_app's form submissions, whose app label it carries, and
checked by every app that keeps such data."""

PERSONAL_DATA_PERMISSION = "forms_app.view_personal_data"
