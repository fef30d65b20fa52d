"""rnnplay: the UI-free core of RNN Playground (config, tasks, cells, models, trainer, probes)."""

from rnnplay.config import ConfigError, RunConfig, make_config

__all__ = ["ConfigError", "RunConfig", "make_config"]
