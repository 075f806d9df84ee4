//go:build race

package pitfalls

const raceBuilt = true
