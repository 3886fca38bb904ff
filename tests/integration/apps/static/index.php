<?php
echo "static-app-front-controller\n";
