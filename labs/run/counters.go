package run

import (
	"context"

	"github.com/netlab/netlab/netifapi"
)

func netifapiCounter(ctx context.Context, n *Node, iface, name string) (uint64, error) {
	return netifapi.Counter(ctx, n.Stack, iface, name)
}
