"""Pure domain rules of the contracts service: no I/O, no framework imports.

Modules: :mod:`.errors`, :mod:`.text` and :mod:`.money` (values), :mod:`.contract` (parties,
terms, deadlines, status), :mod:`.attachment` (file types and limits), :mod:`.accounts` (the chart
of account codes), :mod:`.cost_entry`, :mod:`.deadline` (the claim deadline),
:mod:`.eligibility` and :mod:`.claim` (assembly, life cycle, decision, payment).
"""
