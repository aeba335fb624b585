"""gRPC server interceptors, one concern per module, applied in :mod:`kotopolku.common.server`."""
