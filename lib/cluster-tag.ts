/*
 * The tag by which the control plane recognises the network interfaces, Elastic IPs and instances
 * it may move addresses to. IAM cannot tie an ENI to a config file, but it can check a tag, so a
 * resource added later with the CLI (no redeploy) is covered once its ENI carries the tag.
 */
export const CLUSTER_TAG_KEY = 'ec2-failover:cluster';
