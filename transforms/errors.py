"""Each stage's own exception types; ``reason`` is a short machine-readable code."""


class PipelineError(Exception):
    """Base of every error the pipeline raises on purpose."""

    stage = "pipeline"

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class ReferenceDataError(Exception):
    """A seed file is malformed (bad regex, unknown code, duplicate id)."""


class IngestError(PipelineError):
    """An input could not be read or decoded into an article."""

    stage = "ingest"


class NormalizeError(PipelineError):
    """An article was rejected while normalizing its text (e.g. not English)."""

    stage = "normalize"


class ValidationFailure(PipelineError):
    """A whole batch failed validation (e.g. schema drift): nothing may be written."""

    stage = "validate"


class WarehouseError(PipelineError):
    """The warehouse could not be read or written."""

    stage = "write"
