# The JIT and collector flags of the local ZooKeeper and Kafka JVMs (sourced by infra.sh;
# uses $RUN). By default none: the JVM's own choice (C2 and G1), as the cluster's brokers
# run, so the local system and the bench measure the broker users deploy. The test command
# asks for QUICK_START_JVM (C1 only, the serial collector), which starts fast and stays
# small through the suite's many broker restarts, and warms up in seconds instead of a
# minute. A start or restart of one component keeps the flags its infrastructure was
# brought up with; JVM_TUNING in the environment overrides both.

QUICK_START_JVM="-XX:+UseSerialGC -XX:TieredStopAtLevel=1"

# The flags a JVM starts with now.
jvm_tuning() {
  if [[ -n "${JVM_TUNING+set}" ]]; then
    echo "$JVM_TUNING"
  elif [[ -f "$RUN/jvm-tuning" ]]; then
    cat "$RUN/jvm-tuning"
  fi
}

# Called with the flags a JVM was started with: later starts and restarts use them too.
record_jvm_tuning() { # flags
  mkdir -p "$RUN"
  printf '%s\n' "$1" >"$RUN/jvm-tuning"
}

# After `down`: the next `up` chooses again.
forget_jvm_tuning() {
  rm -f "$RUN/jvm-tuning"
}
