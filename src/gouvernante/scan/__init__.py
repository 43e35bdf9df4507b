"""The pure scanning core: walk, match, dependency paths, orchestration."""
