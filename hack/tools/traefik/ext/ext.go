// Package ext holds the extension points of Traefik's dynamic configuration,
// which the open-source build leaves empty.
package ext

// HTTP extends dynamic.HTTP.
type HTTP struct{}

// Router extends dynamic.Router.
type Router struct{}

// RouterIng extends the router built from an Ingress's annotations.
type RouterIng struct{}

// ToRouter turns the annotation extension into a router extension.
func (RouterIng) ToRouter() Router { return Router{} }
