"""The spec language: pydantic models of what the user wrote (`*Spec`)."""

from .document import API_VERSION, PipelineSpec

__all__ = ["API_VERSION", "PipelineSpec"]
