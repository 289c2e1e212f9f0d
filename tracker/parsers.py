"""The API's JSON parser, in a module of its own: DRF reads DEFAULT_PARSER_CLASSES while
`rest_framework.views` is first imported, which tracker/api.py itself imports, so the
parser cannot live there without an import cycle."""

import re

from rest_framework import parsers
from rest_framework.exceptions import ParseError

SURROGATE = re.compile("[\ud800-\udfff]")
MAX_JSON_DEPTH = 32


class JSONParser(parsers.JSONParser):
    """DRF's parser, refusing with a 400 what would otherwise end in a 500 further on:
    nesting deeper than any of our bodies needs (100,000 `[` overflowed the stack), and
    lone surrogates (`"\\ud800"` decodes to a str that UTF-8, and so PostgreSQL, cannot
    encode) in any key or value."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise ParseError("JSON parse error - nested too deeply.") from error
        stack = [(data, 1)]
        while stack:  # iterative, so a deep value cannot overflow this check either
            value, depth = stack.pop()
            if depth > MAX_JSON_DEPTH:
                raise ParseError(f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels.")
            if isinstance(value, str):
                if SURROGATE.search(value):
                    raise ParseError("JSON parse error - a string holds a lone surrogate (invalid Unicode).")
            elif isinstance(value, dict):
                stack.extend((key, depth) for key in value)
                stack.extend((item, depth + 1) for item in value.values())
            elif isinstance(value, list):
                stack.extend((item, depth + 1) for item in value)
        return data
