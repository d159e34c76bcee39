"""Alerts as structured input: the subject from labels, evidence before any mutation, pages people can read.

- :mod:`.subject`: which object an alert is about (catalog entry, else labels; never the exporter);
- :mod:`.evidence`: the read-only evidence to gather, round by round, as tool calls;
- :mod:`.findings`: what each read found, for people and for the remediation rules;
- :mod:`.planner`: the catalog-driven decision, and the screen every provider's answer passes;
- :mod:`.paging`: the one readable page per run;
- :mod:`.render`: the compact, structured rendering an LLM sees (fenced as untrusted data).
"""
