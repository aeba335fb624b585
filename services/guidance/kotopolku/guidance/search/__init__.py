"""Full-text search of the knowledge base: text normalisation (:mod:`.terms`), Finnish
morphology (:mod:`.finnish`), stop words, and the index on each database (:mod:`.index`)."""
