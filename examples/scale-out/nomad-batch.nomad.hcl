# fleet on a Nomad batch job: 4 allocations, one shard each, no restart, no reschedule.
# NOMAD_ALLOC_INDEX is 0-based and Nomad does not say how many there are: --shard-total 4.
# The run id is NOMAD_JOB_ID (for a dispatched job: its dispatch id, made filename-safe).
# /shared is a host volume (or CSI volume) the report can read: fleet report /shared/runs/<run-id>
job "fleet-restart-nginx" {
  type = "batch"

  group "shards" {
    count = 4

    restart {
      attempts = 0
      mode     = "fail"
    }

    reschedule {
      attempts  = 0
      unlimited = false
    }

    volume "shared" {
      type   = "host"
      source = "fleet-shared"
    }

    task "fleet" {
      driver = "exec"

      config {
        command = "fleet"
        args = [
          "exec", "systemctl restart nginx",
          "-i", "/etc/fleet/hosts.yaml",
          "--shard", "auto", "--shard-total", "4",
          "--out-dir", "/shared/runs", "--journal", "/shared/journal",
          "--output", "jsonl",
        ]
      }

      volume_mount {
        volume      = "shared"
        destination = "/shared"
      }
    }
  }
}
