from gouvernante.cli import main

raise SystemExit(main())
