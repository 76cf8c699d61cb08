# The processes scripts/infra.sh starts, recorded by pid (sourced; uses $RUN).
# A recorded pid is ours while a process with that pid runs and started when the
# recorded one did: the start time in /proc/<pid>/stat survives exec and tells a reused
# pid apart. (The command line does not do: while a process execs, its
# /proc/<pid>/cmdline reads empty for a few milliseconds, as start.sh's exec of the JVM
# showed when a Kafka restart was reported as "kafka exited".)

# Fields of /proc/<pid>/stat from the third on (state, ppid, ...; the start time in
# clock ticks since boot is the 20th of them), read after the command name, which may
# hold spaces and parentheses.
proc_stat() { # pid
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  echo "${stat##*) }"
}

proc_start_time() { # pid
  local stat
  stat="$(proc_stat "$1")" || return 1
  # shellcheck disable=SC2086
  set -- $stat
  echo "${20}"
}

record_pid() { # name pid
  mkdir -p "$RUN"
  echo "$2" >"$RUN/$1.pid"
  proc_start_time "$2" >"$RUN/$1.started" || rm -f "$RUN/$1.started"
}

forget_pid() { # name
  rm -f "$RUN/$1.pid" "$RUN/$1.started"
}

# A process that has exited but is not yet reaped (a zombie) is not alive.
pid_alive() { # name
  local pidfile="$RUN/$1.pid" started="$RUN/$1.started" pid stat
  [[ -f "$pidfile" && -f "$started" ]] || return 1
  pid="$(cat "$pidfile")"
  stat="$(proc_stat "$pid")" || return 1
  # shellcheck disable=SC2086
  set -- $stat
  [[ "$1" != Z && "${20}" == "$(cat "$started")" ]]
}
