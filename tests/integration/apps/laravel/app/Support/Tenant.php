<?php

namespace App\Support;

// A "request-scoped" singleton: bound with singleton(), filled by the
// ResolveTenant middleware from the signed-in user. Under PHP-FPM every
// request gets its own; a worker that kept the first request's would
// serve one tenant's data to the next.
class Tenant
{
    public ?string $name = null;
}
