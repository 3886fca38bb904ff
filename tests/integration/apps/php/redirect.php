<?php
header('Location: /target-of-redirect', true, 302);
