import sys

from her2cohort.reconstruct import main

sys.exit(main(sys.argv[1:]))
