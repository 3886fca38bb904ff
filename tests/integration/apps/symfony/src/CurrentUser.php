<?php

namespace App;

use Symfony\Contracts\Service\ResetInterface;

/**
 * A "request-scoped" service: filled from the signed-in user when a request
 * arrives (CurrentUserListener). It implements ResetInterface, so it is
 * tagged kernel.reset and emptied between requests of a long-running
 * kernel; $resets counts how often.
 */
class CurrentUser implements ResetInterface
{
    public static int $resets = 0;

    public ?string $name = null;

    public function reset(): void
    {
        $this->name = null;
        self::$resets++;
    }
}
