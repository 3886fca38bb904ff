<?php

namespace App\Controller;

use App\CurrentUser;
use App\Kernel;
use Symfony\Component\DependencyInjection\ParameterBag\ParameterBagInterface;
use Symfony\Component\HttpFoundation\JsonResponse;
use Symfony\Component\HttpFoundation\Request;
use Symfony\Component\HttpFoundation\Response;
use Symfony\Component\Security\Core\Security;
use Symfony\Component\Security\Csrf\CsrfTokenManagerInterface;

class AppController
{
    public function __construct(private Security $security, private CurrentUser $current)
    {
    }

    public function login(): Response
    {
        // The form posts here too; the firewall handles the POST.
        return new Response("sign in\n", 200, ['Content-Type' => 'text/plain']);
    }

    public function token(CsrfTokenManagerInterface $csrf): JsonResponse
    {
        return new JsonResponse(['token' => $csrf->getToken('authenticate')->getValue()]);
    }

    // Who is asking, through the security component, the session and a
    // request-scoped service.
    public function whoami(Request $request): JsonResponse
    {
        return new JsonResponse([
            'user' => $this->security->getUser()?->getUserIdentifier(),
            'note' => $request->hasPreviousSession() ? $request->getSession()->get('note') : null,
            'current' => $this->current->name,
        ]);
    }

    public function note(Request $request): JsonResponse
    {
        $request->getSession()->set('note', (string) $request->query->get('text'));

        return new JsonResponse(['note' => $request->getSession()->get('note')]);
    }

    public function env(Request $request, ParameterBagInterface $parameters): JsonResponse
    {
        return new JsonResponse([
            'env' => $parameters->get('kernel.environment'),
            'debug' => $parameters->get('kernel.debug'),
            'from_dotenv' => $parameters->get('from_dotenv'),
            'server_from_dotenv' => $request->server->get('FROM_DOTENV'),
        ]);
    }

    public function form(Request $request): JsonResponse
    {
        return new JsonResponse(['fields' => count($request->request->all())]);
    }

    // Which process answered, since when, and how often kernel.reset ran.
    public function worker(): JsonResponse
    {
        return new JsonResponse([
            'pid' => getmypid(),
            'kernel_built_at' => Kernel::$firstBuiltAt,
            'resets' => CurrentUser::$resets,
            'memory' => memory_get_usage(),
        ]);
    }

    // Deterministic output, for the differential tests.
    public function hello(Request $request, string $name): Response
    {
        return new Response(sprintf("hello %s from %s (%s)\n", $name, $request->getPathInfo(),
            $request->attributes->get('_route')), 200, ['Content-Type' => 'text/plain']);
    }
}
