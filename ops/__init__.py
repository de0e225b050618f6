"""Operating Commonfix on a machine: the production profile (`make run-production`) and its servers."""
