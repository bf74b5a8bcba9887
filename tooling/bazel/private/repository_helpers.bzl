"""What the repository rules (deb_packages, pip_wheels, team_wheels) share."""

def checked_stdout(result, what):
    """The stdout of a finished `ctx.execute`, or fail with its output.

    Args:
      result: the exec_result.
      what: the command, for the message.

    Returns:
      The command's stdout.
    """
    if result.return_code != 0:
        fail("%s failed (%d):\n%s%s" % (what, result.return_code, result.stdout, result.stderr))
    return result.stdout

def public_build_file(targets):
    """A BUILD file of public targets.

    Args:
      targets: list of target definitions (Starlark source strings).

    Returns:
      The file's text.
    """
    return "\n\n".join(['package(default_visibility = ["//visibility:public"])'] + targets) + "\n"

def filegroup_source(name, files):
    """The source of a filegroup target.

    Args:
      name: the target name.
      files: the file paths, relative to the repository.

    Returns:
      Starlark source.
    """
    return "filegroup(\n    name = %r,\n    srcs = %r,\n)" % (name, sorted(files))
