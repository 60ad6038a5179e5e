"""Reading the project's YAML data (rulebooks, rounds, the intake schema, the work plan, authorities).

``load_yaml(text_or_stream)`` is ``yaml.safe_load`` with libyaml's C loader where PyYAML was built
with it (about ten times faster: the intake schema alone took 80 ms with the pure-Python loader, on
every batch start and in every kernel), else the pure-Python one; the same safe subset either way
(no Python objects built from tags). ``YAMLError`` is what a malformed file raises.
"""

from __future__ import annotations

import yaml

YAMLError = yaml.YAMLError

try:
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML without libyaml
    _Loader = yaml.SafeLoader


def load_yaml(source):
    """The data of one YAML document: ``source`` is its text or an open text file."""
    return yaml.load(source, Loader=_Loader)
