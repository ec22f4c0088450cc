/**
 * The shapes of the deployment-logs stream's cluster side, without loading @kubernetes/client-node: the
 * admin API, the options and the stream use these; cluster-logs.ts implements them.
 */

/** How the gateway reaches the Kubernetes API; absent: it does not (the default). */
export type ClusterAccess =
  | { mode: 'in-cluster' }
  /** KUBECONFIG's file (or ~/.kube/config) when `file` is absent; its current context unless `context`. */
  | { mode: 'kubeconfig'; file?: string; context?: string };

/** A pod event as the stream sends it (`event: k8s`). */
export interface PodEvent {
  type: string;
  reason: string;
  message: string;
  object: { kind: string; name: string };
  count: number;
  /** lastTimestamp, else eventTime, else firstTimestamp (ISO); null when the event carries none. */
  time: string | null;
}

/** A container log line as the stream sends it (`event: log`). */
export interface LogLine {
  pod: string;
  container: string;
  line: string;
}

export interface FollowHandlers {
  event(event: PodEvent): void;
  log(line: LogLine): void;
  /** Something could not be read (the stream goes on with the rest). */
  problem(message: string): void;
}

export interface FollowLimits {
  /** Pods followed at most. Default 5. */
  maxPods?: number;
  /** Log lines sent from before the stream started, per container. Default 100. */
  tailLines?: number;
  /** Longer lines are cut to this many characters. Default 8192. */
  maxLineLength?: number;
}

export interface ClusterLogs {
  /** Starts following; the returned function stops everything it opened. Rejects when the Deployment cannot be read. */
  follow(
    target: { namespace: string; deployment: string },
    handlers: FollowHandlers,
    limits?: FollowLimits,
  ): Promise<() => void>;
}
