"""Statistics that agree with R, one module per topic.

Every public function states its convention and the R function it matches;
tests/stats/ compares each to R output committed in tests/fixtures/r/.
"""
