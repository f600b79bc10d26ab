export { Ec2FailoverControlPlane, type Ec2FailoverControlPlaneProps } from './control-plane';
export { Ec2FailoverStack, type Ec2FailoverStackProps } from './stack';
export { ClusterTables, type ClusterTablesProps } from './cluster-tables';
export { CLUSTER_TAG_KEY } from './cluster-tag';
export { ConstructPropsError, type ConstructPropsErrorCode } from './deploy-errors';
