"""Pure domain rules of the plans service: no I/O, no framework imports.

Modules: :mod:`.errors`, :mod:`.model` (enums, the Finnish "today"), :mod:`.periods` (the one-year
first plan, extensions), :mod:`.lifecycle` (status transitions, approval), :mod:`.reviews` (due
dates, outcomes), :mod:`.family` (the family plan's limit, members, consent), :mod:`.content`
(goals, agreed services, obligations) and :mod:`.authority` (municipality / employment authority).
"""
