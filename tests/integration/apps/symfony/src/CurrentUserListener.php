<?php

namespace App;

use Symfony\Component\EventDispatcher\EventSubscriberInterface;
use Symfony\Component\HttpKernel\Event\RequestEvent;
use Symfony\Component\HttpKernel\KernelEvents;
use Symfony\Component\Security\Core\Security;

class CurrentUserListener implements EventSubscriberInterface
{
    public function __construct(private Security $security, private CurrentUser $current)
    {
    }

    public static function getSubscribedEvents(): array
    {
        // after the firewall (priority 8)
        return [KernelEvents::REQUEST => ['onRequest', 0]];
    }

    public function onRequest(RequestEvent $event): void
    {
        if ($event->isMainRequest() && $this->current->name === null && $this->security->getUser() !== null) {
            $this->current->name = $this->security->getUser()->getUserIdentifier();
        }
    }
}
