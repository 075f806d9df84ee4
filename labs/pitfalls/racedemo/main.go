// Command racedemo runs one pitfall's scenario for real, its actors on
// goroutines of their own with no scheduler, so that a binary built with
// -race lets the race detector report what the unsafe version does
// ('netlab pitfall NAME --race' builds and runs it: go run -race). It
// prints how many rounds ran and how many broke the invariant; the race
// detector's report, if any, goes to standard error as the program runs.
//
// Which goroutine: main starts the actors' goroutines (labs/pitfalls
// RunForReal) and waits for them.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/netlab/netlab/labs/pitfalls"
)

func main() {
	safe := flag.Bool("safe", false, "run the safe version (netifapi, sockets) instead of the unsafe one")
	rounds := flag.Int("rounds", 20, "how many times to run the scenario")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: racedemo [--safe] [--rounds N] PITFALL")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 || *rounds < 1 {
		flag.Usage()
		os.Exit(2)
	}
	p, err := pitfalls.Lookup(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "racedemo:", err)
		os.Exit(2)
	}
	res, err := p.RunForReal(*safe, *rounds)
	if err != nil {
		fmt.Fprintln(os.Stderr, "racedemo:", err)
		os.Exit(2)
	}
	version := "unsafe"
	if *safe {
		version = "safe"
	}
	fmt.Printf("%s %s: %d rounds ran for real, %d broke the invariant\n", p.Name, version, res.Rounds, res.Broken)
	if res.First != "" {
		fmt.Printf("first broken round: %s\n", res.First)
	}
}
