//go:build !linux

package main

import (
	"errors"

	"github.com/spf13/cobra"
)

func newCleanCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "clean",
		Short: "Remove what labs killed before they could clean up left behind (Linux only)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return fail(exitNoPrivilege, errors.New("clean: namespaces are Linux's: nothing to clean here"))
		},
	}
}
