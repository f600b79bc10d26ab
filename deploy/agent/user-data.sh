#!/bin/bash
# EC2 user data: installs Node.js, the ec2-failover agent bundle, its config and its systemd unit,
# then starts it. Amazon Linux 2023 (dnf); adapt the Node.js step for other distributions.
#
# Set these before use. The bundle is dist/ec2-failover-agent.js (npx tsx src/agent/bundle.ts),
# published where the instance can fetch it (an S3 bucket its role can read, here).
set -euo pipefail
CLUSTER="prod-db"
AGENT_BUNDLE_S3="s3://my-artifacts-bucket/ec2-failover/ec2-failover-agent.js"
UNIT_S3="s3://my-artifacts-bucket/ec2-failover/ec2-failover-agent.service"

# Node.js 20 or newer (the bundle targets node20; 22 is preferred, as the AWS SDK will require it).
dnf install -y nodejs22 || dnf install -y nodejs20 || dnf install -y nodejs
NODE="$(command -v node-22 || command -v node22 || command -v node)"
[ "$NODE" = /usr/bin/node ] || ln -sf "$NODE" /usr/bin/node

install -d -m 0755 /opt/ec2-failover /etc/ec2-failover
install -d -m 0700 /var/lib/ec2-failover
aws s3 cp "$AGENT_BUNDLE_S3" /opt/ec2-failover/ec2-failover-agent.js
aws s3 cp "$UNIT_S3" /etc/systemd/system/ec2-failover-agent.service
chmod 0755 /opt/ec2-failover/ec2-failover-agent.js

# The agent's own config: never fetched from DynamoDB, so the control plane cannot make a node
# run commands. Region and identity come from IMDSv2. See docs/agent.md for checks and hooks.
cat > /etc/ec2-failover/agent.yaml <<CONFIG
cluster: ${CLUSTER}
stateDir: /var/lib/ec2-failover
checks: []
hooks:
  mode: after
selfFencing:
  enabled: false
CONFIG
chmod 0644 /etc/ec2-failover/agent.yaml

systemctl daemon-reload
systemctl enable --now ec2-failover-agent.service
