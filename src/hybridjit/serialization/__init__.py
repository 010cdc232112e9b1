"""Archives: `hybridjit.save` / `hybridjit.load` (see `archive.py` and `format.py`).

Loading an untrusted archive takes time (and memory) linear in its size: every input that
would make some step grow faster is capped, the cap checked before that step, and each
exceeded cap is an `ArchiveError` saying which.  The caps:

- zip (`zipio.py`): `MAX_ENTRIES` 100,000 entries, `MAX_NAME_LENGTH` 1,024, a text entry at
  most `MAX_TEXT_ENTRY_BYTES` (64 MiB), `MAX_TOTAL_DEFLATED_BYTES` 256 MiB inflated in all,
  a deflate ratio of at most `MAX_DEFLATE_RATIO` (1,100);
- JSON (`jsonio.py`): nesting at most `MAX_JSON_DEPTH` (64) levels, no duplicate keys;
  type strings (`values.py`) at most `MAX_TYPE_STRING` (2,000) characters and
  `MAX_TYPE_DEPTH` (32) levels;
- model.json (`reader.py`): `MAX_MEMBERS` (100,000) functions, types, modules and their
  members (attributes, constants, parameters, buffers, submodules, methods) in all;
  module hierarchy at most `MAX_MODULE_DEPTH` (200) levels; enums (`enums.py`) at most
  `MAX_MEMBERS` 10,000 members each and `MAX_TOTAL_MEMBERS` 100,000 in all;
- graph text (`reader.py`, checked on the text before parsing): `MAX_GRAPH_LINES` (50,000)
  lines (nodes) per graph and `MAX_ARCHIVE_GRAPH_LINES` (200,000) in all graphs,
  `MAX_GRAPH_BYTES` (16 MiB) per graph, `MAX_LINE_BYTES` (1 MiB) per line (string
  constants included), `MAX_LINE_VALUES` (10,000) `%` value references on one line (a
  node's inputs and outputs, a block's parameters or results), blocks nested at most
  `MAX_GRAPH_NESTING` (100) deep;
- tensors (`tensors.py`): `MAX_TENSORS` (100,000) tensor records and storages,
  `MAX_DIMS` (64) dimensions, `MAX_NUMEL` elements, a safetensors header of at most
  `MAX_HEADER_BYTES` (100 MiB); every view must lie inside its storage.

Within the caps the IR parser costs some tens of microseconds per node, so the largest
graph allowed loads in a few seconds; a 10,000-statement function prints about 20,000 lines.
"""
