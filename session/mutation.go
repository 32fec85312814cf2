package session

import (
	"github.com/ckadlab/ckadlab/checker"
	"github.com/ckadlab/ckadlab/cluster/offline"
)

// OfflineMutationOptions describe the offline cluster to the mutation lint
// (its default IngressClass).
var OfflineMutationOptions = checker.MutationOptions{DefaultIngressClass: offline.DefaultIngressClass}
