/**
 * Entry point: connect to the core through whichever shell this page runs in, then mount the app.
 * No inline scripts and no eval anywhere: both shells send a strict Content-Security-Policy.
 */
import './styles/app.css';
import { mount } from 'svelte';
import App from './App.svelte';
import NoToken from './NoToken.svelte';
import { connectBackend } from './lib/api/connect';

const target = document.getElementById('app')!;
const connected = connectBackend(window);
if ('backend' in connected) mount(App, { target, props: { backend: connected.backend } });
else mount(NoToken, { target });
