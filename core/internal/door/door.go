// Package door carries the core's unsafe door (core.Unsafe) to package
// core/unsafecore without exporting a way to open it from core itself:
// only packages under core/ may import this one, so every other package
// that wants the door must import core/unsafecore, which the import rules
// (internal/deptest) allow only to the pitfall labs. Any goroutine.
package door

// Open returns a *core.Unsafe for a *core.Stack; core sets it in its init.
var Open func(stack any) any
