"""Host checks: everything ``-host`` looks at, driven by a ``HostContext`` passed in."""
