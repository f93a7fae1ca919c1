"""Thin Adobe Experience Platform client and the Flow Service CRM source pipeline (CON-SRC-1)."""
from .client import AepClient
from .errors import AepError, AuthenticationError, GatewayError, NotFound, ValidationError
from .pipeline import PipelineIds, SourcePipeline, SourcePipelineConfig

__all__ = ["AepClient", "AepError", "AuthenticationError", "GatewayError", "NotFound", "ValidationError",
           "PipelineIds", "SourcePipeline", "SourcePipelineConfig"]
