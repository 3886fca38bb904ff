<?php
echo "before-throw\n";
throw new RuntimeException('uncaught-boom');
