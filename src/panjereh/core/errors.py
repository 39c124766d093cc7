"""The one shape of an input error: which input is wrong (its path, the API's error key) and a sentence in
the active language saying what is wrong (the pages show it as it is, the API under the key)."""


class FieldError(ValueError):
    """Input a service cannot take. ``field`` is the input's path (``applicant.national_id``, ``geometry``);
    ``str(error)`` is the translated sentence."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)
