<?php

declare(strict_types=1);

namespace App\Controller;

use Symfony\Component\HttpFoundation\Request;
use Symfony\Component\HttpFoundation\Response;
use Twig\Environment;

final class HelloController
{
    public function __construct(private Environment $twig)
    {
    }

    public function hello(Request $request, string $name): Response
    {
        // Everything rendered comes from the request, so a worker that
        // leaked one request's state into the next would show it.
        return new Response($this->twig->render('hello.html.twig', [
            'name' => $name,
            'route' => $request->attributes->get('_route'),
            'path' => $request->getPathInfo(),
            'items' => ['routing', 'dependency injection', 'twig'],
        ]));
    }
}
