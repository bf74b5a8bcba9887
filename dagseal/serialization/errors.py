"""The one error class for everything that cannot be (de)serialized."""


class SerializationError(ValueError):
    """A value does not fit the dagseal schema or protocol; the message is one line."""
